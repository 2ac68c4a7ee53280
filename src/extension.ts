import * as vscode from 'vscode';

/**
 * Activation stub: the VS Code experience (approvals, file guard, status, audit view)
 * is its own issue. Wiring only: every feature will be its own disposable class.
 */
export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(
    vscode.commands.registerCommand('agentPolicy.explainCommand', async () => {
      void vscode.window.showInformationMessage('Agent Policy: run `agentpolicy explain -- "<command>"` in a terminal (the in-editor view is coming).');
    }),
  );
}

export function deactivate(): void {}
