import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { displayText } from '../core/text/display';
import { EXPORT_FORMATS, exportLog, type ExportFormat } from '../core/audit/export/index';
import { decide } from '../core/pdp/decide';
import { explainText } from '../core/pdp/message';
import { POLICY_FILE } from '../core/policy/resolve';
import { TEMPLATES, type TemplateName } from '../core/policy/templates';
import type { FileGuard } from './fileGuard';
import type { GuardService } from './guardService';
import { COMMANDS } from './ids';
import type { PolicyService } from './policyService';

const TEMPLATE_INFO: Record<TemplateName, string> = {
  recommended: 'Read-only and local work runs; network, installs, deletes and pushes ask; the dangerous is denied',
  strict: 'Only reading runs on its own; everything else asks; network is denied',
  permissive: 'Agents work freely in the workspace; the irreversible is still denied',
};

/** The palette commands: each says what happened and offers the next step. */
export function registerCommands(policies: PolicyService, guard: GuardService, files: FileGuard, showLog: () => void): vscode.Disposable[] {
  const ws = policies.workspace;
  return [
    vscode.commands.registerCommand(COMMANDS.createPolicy, async () => {
      const pick = await vscode.window.showQuickPick(
        (Object.keys(TEMPLATES) as TemplateName[]).map((t) => ({ label: t, detail: TEMPLATE_INFO[t] })),
        { title: 'Agent Policy: Create Policy', placeHolder: 'Pick a template for .agentpolicy.yaml' },
      );
      if (!pick) return;
      const file = path.join(ws, POLICY_FILE);
      if (fs.existsSync(file)) {
        const ok = await vscode.window.showWarningMessage(`${POLICY_FILE} already exists. Replace it with the ${pick.label} template?`, { modal: true }, 'Replace');
        if (ok !== 'Replace') return;
      }
      files.approve(file);
      fs.writeFileSync(file, TEMPLATES[pick.label as TemplateName]);
      await vscode.window.showTextDocument(vscode.Uri.file(file));
    }),
    vscode.commands.registerCommand(COMMANDS.explainCommand, async (initial?: string) => {
      const line = await vscode.window.showInputBox({ title: 'Agent Policy: Explain Command', prompt: 'A command line, as an agent would run it', value: typeof initial === 'string' ? initial : '' });
      if (!line) return;
      const req = { kind: 'command' as const, commandLine: line, cwd: ws };
      const text = explainText(policies.policy, req, decide(policies.policy, req));
      const doc = await vscode.workspace.openTextDocument({ content: text, language: 'plaintext' });
      await vscode.window.showTextDocument(doc, { preview: true });
    }),
    vscode.commands.registerCommand(COMMANDS.blockAllAgents, async () => {
      await guard.killAll();
      const choice = await vscode.window.showWarningMessage('Agent Policy: every agent is blocked. All credentials and session grants are revoked; every new request is denied until you re-arm.', 'Re-arm…');
      if (choice) await vscode.commands.executeCommand(COMMANDS.rearm);
    }),
    vscode.commands.registerCommand(COMMANDS.rearm, async () => {
      if (guard.state !== 'killed') {
        void vscode.window.showInformationMessage('Agent Policy: the guard is not blocked; nothing to re-arm.');
        return;
      }
      const ok = await vscode.window.showWarningMessage('Re-arm Agent Policy? New terminals get a new credential; terminals from before the kill switch stay blocked.', { modal: true }, 'Re-arm');
      if (ok !== 'Re-arm') return;
      await guard.rearm();
      void vscode.window.showInformationMessage('Agent Policy re-armed. Open a new terminal for agents.');
    }),
    vscode.commands.registerCommand(COMMANDS.showAgents, async () => {
      const seen = new Map<string, { allow: number; ask: number; deny: number }>();
      for (const d of guard.decisions) {
        const c = seen.get(d.subject.id) ?? { allow: 0, ask: 0, deny: 0 };
        if (d.decision.effect === 'ask') c.ask++;
        c[d.outcome.final]++;
        seen.set(d.subject.id, c);
      }
      const items: vscode.QuickPickItem[] = policies.policy.agents.map((a) => {
        const c = seen.get(a.id);
        seen.delete(a.id);
        const expired = a.expires && new Date(a.expires) < new Date();
        return { label: `${expired ? '$(warning) ' : '$(person) '}${a.id}`, description: `owner ${a.owner} · risk ${a.risk}${a.expires ? ` · ${expired ? 'expired' : 'expires'} ${a.expires}` : ''}`, detail: `${a.purpose ?? ''}${c ? `  This session: ${c.allow} allowed, ${c.deny} denied, ${c.ask} asked` : '  No requests this session'}` };
      });
      for (const [id, c] of seen) items.push({ label: `$(question) ${id}`, description: 'not in the policy’s agents list', detail: `This session: ${c.allow} allowed, ${c.deny} denied, ${c.ask} asked` });
      if (!items.length) items.push({ label: 'No agents registered', detail: 'Add an agents: list to .agentpolicy.yaml (id, owner, purpose, risk, expires).' });
      await vscode.window.showQuickPick(items, { title: 'Agent Policy: Agents' });
    }),
    vscode.commands.registerCommand(COMMANDS.showGrants, async () => {
      const broker = guard.brokerInstance;
      const grants = broker?.listSessionGrants().flatMap((s) => s.grants.map((g) => ({ label: displayText(g.label, 200), description: `session ${s.sessionId.slice(0, 8)}`, sessionId: s.sessionId, key: g.key }))) ?? [];
      if (!grants.length) {
        void vscode.window.showInformationMessage('Agent Policy: no "Allow for this session" grants.');
        return;
      }
      const pick = await vscode.window.showQuickPick(grants, { title: 'Session grants — pick one to revoke', canPickMany: true });
      for (const g of pick ?? []) broker?.revokeSessionGrant(g.sessionId, g.key);
      if (pick?.length) void vscode.window.showInformationMessage(`Agent Policy: revoked ${pick.length} grant(s).`);
    }),
    vscode.commands.registerCommand(COMMANDS.exportAuditLog, async (format?: string) => {
      const fmt = (format && (EXPORT_FORMATS as readonly string[]).includes(format) ? format : (await vscode.window.showQuickPick([...EXPORT_FORMATS], { title: 'Export the audit log as' }))) as ExportFormat | undefined;
      if (!fmt) return;
      const ext = fmt === 'cef' || fmt === 'syslog' ? 'log' : 'jsonl';
      const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(path.join(ws, `agentpolicy-audit.${fmt}.${ext}`)), title: 'Export Agent Policy audit log' });
      if (!target) return;
      const out = fs.createWriteStream(target.fsPath, { mode: 0o600 });
      const result = await exportLog(guard.auditDir, fmt, out);
      await new Promise<void>((r) => out.end(() => r()));
      const open = await vscode.window.showInformationMessage(`Agent Policy: exported ${JSON.stringify(result)} to ${target.fsPath}.`, 'Open');
      if (open) await vscode.window.showTextDocument(target);
    }),
    vscode.commands.registerCommand(COMMANDS.relaunchTerminals, async () => {
      for (const t of [...guard.unguardedTerminals]) {
        const opts = t.creationOptions as vscode.TerminalOptions;
        vscode.window.createTerminal({ name: t.name, cwd: opts.cwd, shellPath: opts.shellPath, shellArgs: opts.shellArgs }).show();
        t.dispose();
        guard.unguardedTerminals.delete(t);
      }
      guard.refreshState();
    }),
    vscode.commands.registerCommand(COMMANDS.statusMenu, async () => {
      type Item = vscode.QuickPickItem & { run: () => unknown };
      const killed = guard.state === 'killed';
      const items: Item[] = [
        killed ? { label: '$(debug-restart) Re-arm agents', run: () => vscode.commands.executeCommand(COMMANDS.rearm) } : { label: '$(circle-slash) Block all agents (kill switch)', run: () => vscode.commands.executeCommand(COMMANDS.blockAllAgents) },
        { label: '$(list-flat) Show audit log', run: () => vscode.commands.executeCommand(COMMANDS.showAuditLog) },
        { label: '$(export) Export session audit log…', run: () => vscode.commands.executeCommand(COMMANDS.exportAuditLog) },
        { label: '$(person) Show agents', run: () => vscode.commands.executeCommand(COMMANDS.showAgents) },
        { label: '$(key) Show session grants', run: () => vscode.commands.executeCommand(COMMANDS.showGrants) },
        { label: '$(question) Explain a command…', run: () => vscode.commands.executeCommand(COMMANDS.explainCommand) },
        { label: '$(file-add) Create policy…', run: () => vscode.commands.executeCommand(COMMANDS.createPolicy) },
        { label: '$(go-to-file) Open policy', run: () => fs.existsSync(path.join(ws, POLICY_FILE)) ? vscode.window.showTextDocument(vscode.Uri.file(path.join(ws, POLICY_FILE))) : vscode.commands.executeCommand(COMMANDS.createPolicy) },
        { label: '$(output) Show log', run: showLog },
      ];
      if (guard.unguardedTerminals.size) items.unshift({ label: `$(terminal) Relaunch ${guard.unguardedTerminals.size} unguarded terminal(s)`, run: () => vscode.commands.executeCommand(COMMANDS.relaunchTerminals) });
      const pick = await vscode.window.showQuickPick(items, { title: `Agent Policy — ${guard.state}`, placeHolder: guard.degradedBecause.join('; ') || undefined });
      await pick?.run();
    }),
  ];
}
