import * as vscode from 'vscode';
import { COMMANDS } from './ids';
import type { PolicyService } from './policyService';

const SHOWN = 'agentPolicy.builtInNoticeShown';
export const WALKTHROUGH = 'agentpolicy.agent-policy#agentPolicy.start';

/**
 * First run in a workspace without .agentpolicy.yaml: say that a built-in policy is already in
 * force (so agents are guarded from the first minute), and offer to create one or take the tour.
 */
export async function firstRunNotice(context: vscode.ExtensionContext, policies: PolicyService): Promise<void> {
  if (!policies.builtInOnly || context.workspaceState.get<boolean>(SHOWN)) return;
  await context.workspaceState.update(SHOWN, true);
  const create = 'Create Policy…';
  const tour = 'Get Started';
  const choice = await vscode.window.showInformationMessage(
    'Agent Policy is guarding this workspace with its built-in recommended policy (this repository has no .agentpolicy.yaml yet): reading and local work run, network, installs, deletes and pushes ask you, the dangerous is denied.',
    create,
    tour,
  );
  if (choice === create) await vscode.commands.executeCommand(COMMANDS.createPolicy);
  else if (choice === tour) await vscode.commands.executeCommand('workbench.action.openWalkthrough', WALKTHROUGH, false);
}
