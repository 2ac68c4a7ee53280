import * as vscode from 'vscode';
import type { Subject } from './core/identity/subject';
import { AgentTerminalProfile } from './vscode/agentTerminal';
import { PendingApprovals, type PendingRequest } from './vscode/approvals';
import { ApprovalsView } from './vscode/approvalsView';
import { AuditShipping } from './vscode/auditShipping';
import { AuditView } from './vscode/auditView';
import { registerCommands } from './vscode/commands';
import { ConnectAgents } from './vscode/connectAgents';
import { PolicyDiagnostics } from './vscode/diagnostics';
import { ExplainDocuments } from './vscode/explainView';
import { FileGuard } from './vscode/fileGuard';
import { GuardService } from './vscode/guardService';
import { GuardView } from './vscode/guardView';
import { COMMANDS } from './vscode/ids';
import { createLogger } from './vscode/logger';
import { firstRunNotice } from './vscode/onboarding';
import { PolicyEditing } from './vscode/policyEditing';
import { PolicyGate, type HeldChange } from './vscode/policyGate';
import { PolicyService } from './vscode/policyService';
import { GuardStatusBar } from './vscode/statusBar';
import { TerminalTracker } from './vscode/terminals';
import type { TerminalSubjectResolver } from './vscode/terminalSubjects';

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
  heldPolicyChanges(): readonly HeldChange[];
  /** Who is behind a process in an integrated terminal (for the broker: pid, then its ancestors). */
  terminals: TerminalSubjectResolver;
  onDidDecide: vscode.Event<{ what: string; final: 'allow' | 'deny'; effect: string; ruleIds: string[]; subject?: Subject }>;
  /**
   * Only when VS Code runs the extension's own tests (ExtensionMode.Test, never for an installed
   * extension): the pending requests the view holds, so a test can click them.
   */
  test?: { pending(): readonly PendingRequest[]; connect: ConnectAgents };
}

/** Wiring only: each feature is its own class owning its disposables. */
export function activate(context: vscode.ExtensionContext): AgentPolicyApi {
  const t0 = performance.now();
  const logger = createLogger();
  // Audit calls made before the guard is up wait for it (GuardService.auditControl awaits ready).
  let guardRef: GuardService | undefined;
  const gate = new PolicyGate(logger, async (a) => {
    await guardRef?.auditControl({ control: 'policy-change', subject: a.subject, effect: a.outcome === 'applied' || a.outcome === 'kept' ? 'allow' : a.outcome === 'held' ? 'ask' : 'deny', what: `${a.outcome}: ${a.summary}`, path: a.file, layer: 'repo', before: a.before, after: a.after });
  });
  const policies = new PolicyService(logger, gate);
  const approvals = new PendingApprovals(() => policies.policy);
  const terminals = new TerminalTracker();
  const guard = new GuardService(context, policies, approvals, terminals, logger);
  guardRef = guard;
  const files = new FileGuard(policies, gate, logger, (what, file, subject, effect, ruleIds) => guard.auditControl({ control: 'file-restore', subject, effect, what, path: file, ruleIds }));
  const audit = new AuditView(context.extensionUri, guard);
  const shipping = new AuditShipping(context, guard, logger);
  const explain = new ExplainDocuments(policies);
  const agentTerminals = new AgentTerminalProfile(guard, (m) => logger.info(m));
  const connect = new ConnectAgents(context.extensionPath, policies, files, logger, (i) => guard.auditControl(i));
  const decided = new vscode.EventEmitter<{ what: string; final: 'allow' | 'deny'; effect: string; ruleIds: string[]; subject?: Subject }>();
  context.subscriptions.push(
    logger,
    gate,
    policies,
    approvals,
    terminals,
    guard,
    files,
    audit,
    explain,
    decided,
    guard.onDidDecide((d) => decided.fire({ what: d.what, final: d.outcome.final, effect: d.decision.effect, ruleIds: d.decision.ruleIds, subject: d.subject })),
    new PolicyDiagnostics(policies),
    new PolicyEditing(),
    shipping,
    new ApprovalsView(approvals),
    new GuardView(guard, policies, gate),
    new GuardStatusBar(guard, approvals, policies, gate, shipping),
    agentTerminals,
    ...registerCommands({ policies, gate, guard, shipping, explain, showLog: () => logger.show(), pendingCount: () => approvals.pending }),
    vscode.commands.registerCommand(COMMANDS.showAuditLog, () => audit.show()),
    vscode.commands.registerCommand(COMMANDS.connectAgents, () => connect.run()),
    vscode.commands.registerCommand(COMMANDS.setHecToken, () => AuditShipping.setHecToken(context)),
    vscode.commands.registerCommand('agentPolicy.focusTerminal', (t?: vscode.Terminal) => t && vscode.window.terminals.includes(t) && t.show()),
  );
  const activationMs = performance.now() - t0;
  logger.info(`[activate] ${activationMs.toFixed(1)} ms on the main path (the broker starts in the background)`);
  void guard.ready.then(async () => {
    const n = terminals.unguarded.length;
    if (n) {
      const relaunch = 'Relaunch them';
      const c = await vscode.window.showWarningMessage(`Agent Policy: ${n} terminal(s) were opened before the guard started; commands there are not checked.`, relaunch);
      if (c === relaunch) await vscode.commands.executeCommand(COMMANDS.relaunchTerminals);
    }
    void agentTerminals.startDemoAgent().catch((e) => logger.error(`[agentTerminal] demo: ${e}`));
    void connect.warnBroken().catch((e) => logger.error(`[connect] checking installed hooks: ${e}`));
    await firstRunNotice(context, policies);
  });
  return {
    version: context.extension.packageJSON.version,
    activationMs,
    state: () => guard.state,
    ready: () => guard.ready,
    brokerAddress: () => guard.address,
    guardEnvironment: () => guard.environment,
    pendingApprovals: () => approvals.pending,
    restoredFiles: () => files.restored,
    heldPolicyChanges: () => gate.held,
    terminals,
    onDidDecide: decided.event,
    ...(context.extensionMode === vscode.ExtensionMode.Test ? { test: { pending: () => approvals.list(), connect } } : {}),
  };
}

export function deactivate(): void {}
