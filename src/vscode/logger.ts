import * as vscode from 'vscode';
import type { Logger } from '../core/broker/broker';

/** One LogOutputChannel; messages carry an `[area]` prefix. */
export function createLogger(): Logger & vscode.Disposable & { show(): void } {
  const channel = vscode.window.createOutputChannel('Agent Policy', { log: true });
  return {
    info: (m) => channel.info(m),
    error: (m) => channel.error(m),
    show: () => channel.show(true),
    dispose: () => channel.dispose(),
  };
}

export function dispose(disposables: vscode.Disposable[]): [] {
  for (const d of disposables) d.dispose();
  return [];
}
