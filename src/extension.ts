import * as vscode from 'vscode';
import { ApprovalPrompts } from './vscode/approvals';
import { AuditShipping } from './vscode/auditShipping';
import { AuditView } from './vscode/auditView';
import { registerCommands } from './vscode/commands';
import { PolicyDiagnostics } from './vscode/diagnostics';
import { FileGuard } from './vscode/fileGuard';
import { GuardService } from './vscode/guardService';
import { COMMANDS } from './vscode/ids';
import { createLogger } from './vscode/logger';
import { PolicyService } from './vscode/policyService';
import { GuardStatusBar } from './vscode/statusBar';

/** What the extension offers other extensions and its own tests. */
export interface AgentPolicyApi {
  version: string;
  activationMs: number;
  state(): 'starting' | 'armed' | 'degraded' | 'killed';
  ready(): Promise<void>;
  brokerAddress(): { socketPath: string; port: number } | undefined;
  guardEnvironment(): Record<string, string>;
  pendingApprovals(): number;
  restoredFiles(): readonly string[];
  onDidDecide: vscode.Event<{ what: string; final: 'allow' | 'deny'; effect: string; ruleIds: string[] }>;
}

/** Wiring only: each feature is its own class owning its disposables. */
export function activate(context: vscode.ExtensionContext): AgentPolicyApi {
  const t0 = performance.now();
  const logger = createLogger();
  const policies = new PolicyService(logger);
  const prompts = new ApprovalPrompts();
  const guard = new GuardService(context, policies, prompts, logger);
  const files = new FileGuard(policies, logger, (file, what, ruleIds) => guard.auditFileRestore(file, what, ruleIds));
  const audit = new AuditView(context.extensionUri, guard);
  const shipping = new AuditShipping(context, guard, logger);
  const decided = new vscode.EventEmitter<{ what: string; final: 'allow' | 'deny'; effect: string; ruleIds: string[] }>();
  context.subscriptions.push(
    logger,
    policies,
    prompts,
    guard,
    files,
    audit,
    decided,
    guard.onDidDecide((d) => decided.fire({ what: d.what, final: d.outcome.final, effect: d.decision.effect, ruleIds: d.decision.ruleIds })),
    files.onDidAccept(() => policies.reload()),
    new PolicyDiagnostics(policies),
    shipping,
    new GuardStatusBar(guard, prompts, policies, shipping),
    ...registerCommands(policies, guard, files, () => logger.show()),
    vscode.commands.registerCommand(COMMANDS.showAuditLog, () => audit.show()),
    vscode.commands.registerCommand(COMMANDS.setHecToken, () => AuditShipping.setHecToken(context)),
    vscode.commands.registerCommand(COMMANDS.shipAuditLog, () => shipping.ship()),
  );
  const activationMs = performance.now() - t0;
  logger.info(`[activate] ${activationMs.toFixed(1)} ms on the main path (the broker starts in the background)`);
  void guard.ready.then(() => {
    if (guard.unguardedTerminals.size) {
      void vscode.window
        .showWarningMessage(`Agent Policy: ${guard.unguardedTerminals.size} terminal(s) were opened before the guard started; commands there are not checked.`, 'Relaunch them')
        .then((c) => c && vscode.commands.executeCommand(COMMANDS.relaunchTerminals));
    }
  });
  return {
    version: context.extension.packageJSON.version,
    activationMs,
    state: () => guard.state,
    ready: () => guard.ready,
    brokerAddress: () => guard.address,
    guardEnvironment: () => guard.environment,
    pendingApprovals: () => prompts.pending,
    restoredFiles: () => files.restored,
    onDidDecide: decided.event,
  };
}

export function deactivate(): void {}
