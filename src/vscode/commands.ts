import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { EXPORT_FORMATS, exportLog, type ExportFormat } from '../core/audit/export/index';
import { POLICY_FILE } from '../core/policy/resolve';
import { displayText } from '../core/text/display';
import { RECOMMENDED_POLICY, TEMPLATES, type TemplateName } from '../core/policy/templates';
import type { AuditShipping } from './auditShipping';
import type { ExplainDocuments } from './explainView';
import type { GuardService } from './guardService';
import { COMMANDS } from './ids';
import type { PolicyGate } from './policyGate';
import type { PolicyService } from './policyService';

const TEMPLATE_INFO: Record<TemplateName, string> = {
  recommended: 'Read-only and local work runs; network, installs, deletes and pushes ask; the dangerous is denied',
  strict: 'Only reading runs on its own; everything else asks; network is denied',
  permissive: 'Agents work freely in the workspace; the irreversible is still denied',
};

/** Export formats, described for people (the ids are what `agentpolicy audit export --format` takes). */
export const FORMAT_INFO: Record<ExportFormat, { label: string; detail: string; ext: string }> = {
  ocsf: { label: 'OCSF 1.8 (JSON lines)', detail: 'Open Cybersecurity Schema Framework events: Amazon Security Lake, Splunk, most SIEMs', ext: 'ocsf.jsonl' },
  ecs: { label: 'Elastic Common Schema (JSON lines)', detail: 'For Elasticsearch / Elastic Security and OpenSearch', ext: 'ecs.jsonl' },
  cef: { label: 'CEF (ArcSight Common Event Format)', detail: 'One CEF line per event: ArcSight, QRadar, Sentinel via syslog', ext: 'cef.log' },
  syslog: { label: 'Syslog (RFC 5424)', detail: 'One RFC 5424 line per event, structured data included', ext: 'syslog.log' },
  hec: { label: 'Splunk HTTP Event Collector (JSON lines)', detail: 'Events as Splunk HEC payloads, ready to POST', ext: 'hec.jsonl' },
  otlp: { label: 'OpenTelemetry logs (OTLP/JSON)', detail: 'OTLP log records, for an OpenTelemetry collector', ext: 'otlp.jsonl' },
  jsonl: { label: 'Agent Policy native (JSON lines)', detail: 'The hash-chained records as written: verify with `agentpolicy audit verify`', ext: 'jsonl' },
};

export const USER_POLICY_FILE = () => path.join(os.homedir(), '.config', 'agentpolicy', 'policy.yaml');

export interface CommandDeps {
  policies: PolicyService;
  gate: PolicyGate;
  guard: GuardService;
  shipping: AuditShipping;
  explain: ExplainDocuments;
  showLog: () => void;
  pendingCount: () => number;
}

/** The palette commands: each says what happened and offers the next step. */
export function registerCommands(d: CommandDeps): vscode.Disposable[] {
  const { policies, gate, guard, shipping, explain, showLog } = d;
  const ws = policies.workspace;
  return [
    vscode.commands.registerCommand(COMMANDS.createPolicy, async (template?: string) => {
      const pick =
        typeof template === 'string' && template in TEMPLATES
          ? { label: template }
          : await vscode.window.showQuickPick(
              (Object.keys(TEMPLATES) as TemplateName[]).map((t) => ({ label: t, detail: TEMPLATE_INFO[t] })),
              { title: 'Agent Policy: Create Policy', placeHolder: 'Pick a template for .agentpolicy.yaml (you can edit it afterwards)' },
            );
      if (!pick) return;
      const file = path.join(ws, POLICY_FILE);
      if (fs.existsSync(file)) {
        const ok = await vscode.window.showWarningMessage(`${POLICY_FILE} already exists. Replace it with the ${pick.label} template?`, { modal: true }, 'Replace');
        if (ok !== 'Replace') return;
      }
      const text = TEMPLATES[pick.label as TemplateName];
      gate.expectWrite(file, text);
      fs.writeFileSync(file, text);
      await gate.acceptOwnWrite(file, text, `created from the ${pick.label} template with "Agent Policy: Create Policy"`);
      await vscode.window.showTextDocument(vscode.Uri.file(file));
      void vscode.window.showInformationMessage(`Agent Policy: ${POLICY_FILE} (${pick.label}) is in force for this workspace. Your edits take effect after you confirm their diff.`);
    }),
    vscode.commands.registerCommand(COMMANDS.openPolicy, async () => {
      const file = policies.repoFile ?? path.join(ws, POLICY_FILE);
      if (fs.existsSync(file)) await vscode.window.showTextDocument(vscode.Uri.file(file));
      else await vscode.commands.executeCommand(COMMANDS.createPolicy);
    }),
    vscode.commands.registerCommand(COMMANDS.editUserPolicy, async () => {
      const file = USER_POLICY_FILE();
      if (!fs.existsSync(file)) {
        const create = 'Create it from the recommended policy';
        const ok = await vscode.window.showInformationMessage(
          `Agent Policy: your user policy (${file}) does not exist; the built-in recommended policy is in force in its place. Create the file, as a copy to edit?`,
          { modal: true, detail: 'The user policy applies to every workspace, under each repository\'s own .agentpolicy.yaml. Rules of every layer count; the strictest wins.' },
          create,
        );
        if (ok !== create) return;
        fs.mkdirSync(path.dirname(file), { recursive: true });
        gate.expectWrite(file, RECOMMENDED_POLICY);
        fs.writeFileSync(file, RECOMMENDED_POLICY, { mode: 0o600 });
        await gate.acceptOwnWrite(file, RECOMMENDED_POLICY, 'created from the recommended policy with "Agent Policy: Edit User Policy"');
      }
      await vscode.window.showTextDocument(vscode.Uri.file(file));
    }),
    vscode.commands.registerCommand(COMMANDS.explainCommand, async (initial?: string) => {
      const line = await vscode.window.showInputBox({ title: 'Agent Policy: Explain Command', prompt: 'A command line, as an agent would run it in this workspace', value: typeof initial === 'string' ? initial : '' });
      if (!line) return;
      await explain.show(line, ws);
    }),
    vscode.commands.registerCommand(COMMANDS.blockAllAgents, async () => {
      const block = 'Block all agents';
      const ok = await vscode.window.showWarningMessage(
        'Block every agent now?',
        { modal: true, detail: 'Every credential and session grant is revoked at once and every new agent request is denied until you re-arm. Terminals opened before stay cut off (you are offered to relaunch them after re-arming).' },
        block,
      );
      if (ok !== block) return;
      const r = await guard.killAll();
      const rearm = 'Re-arm…';
      const choice = await vscode.window.showWarningMessage(
        `Agent Policy: every agent is blocked. Credentials and session grants revoked; ${r.closed ? `${r.closed} guarded terminal(s) closed; ` : r.cutOff ? `${r.cutOff} open terminal(s) cut off; ` : ''}every new request is denied until you re-arm.`,
        rearm,
      );
      if (choice === rearm) await vscode.commands.executeCommand(COMMANDS.rearm);
    }),
    vscode.commands.registerCommand(COMMANDS.rearm, async () => {
      if (guard.state !== 'killed') {
        void vscode.window.showInformationMessage('Agent Policy: agents are not blocked, so there is nothing to re-arm.');
        return;
      }
      const ok = await vscode.window.showWarningMessage('Re-arm Agent Policy?', { modal: true, detail: 'New terminals get a new credential. Terminals from before the kill switch stay cut off.' }, 'Re-arm');
      if (ok !== 'Re-arm') return;
      await guard.rearm();
      const s = guard.stranded;
      const n = s.closed.length + s.open.length;
      if (!n) {
        void vscode.window.showInformationMessage('Agent Policy re-armed. New terminals are guarded.');
        return;
      }
      const relaunch = `Relaunch ${n} terminal${n === 1 ? '' : 's'}`;
      const choice = await vscode.window.showInformationMessage(
        `Agent Policy re-armed. ${n} terminal${n === 1 ? '' : 's'} from before the kill switch ${s.closed.length ? `(${s.closed.length} closed by it) ` : ''}cannot run guarded commands any more.${s.open.length ? ' Relaunching closes the old ones.' : ''}`,
        relaunch,
      );
      if (choice === relaunch) {
        const done = guard.relaunchStranded();
        void vscode.window.showInformationMessage(`Agent Policy: relaunched ${done} terminal${done === 1 ? '' : 's'} with the new credential.`);
      }
    }),
    vscode.commands.registerCommand(COMMANDS.showAgents, async () => {
      const seen = new Map<string, { allow: number; ask: number; deny: number }>();
      for (const x of guard.decisions) {
        const c = seen.get(x.subject.id) ?? { allow: 0, ask: 0, deny: 0 };
        if (x.decision.effect === 'ask') c.ask++;
        c[x.outcome.final]++;
        seen.set(x.subject.id, c);
      }
      const items: vscode.QuickPickItem[] = policies.policy.agents.map((a) => {
        const c = seen.get(a.id);
        seen.delete(a.id);
        const expired = a.expires && new Date(a.expires) < new Date();
        return { label: `${expired ? '$(warning) ' : '$(person) '}${a.id}`, description: `owner ${a.owner} · risk ${a.risk}${a.expires ? ` · ${expired ? 'expired' : 'expires'} ${a.expires}` : ''}`, detail: `${a.purpose ?? ''}${c ? `  This session: ${c.allow} allowed, ${c.deny} denied, ${c.ask} asked` : '  No requests this session'}` };
      });
      for (const [id, c] of seen) items.push({ label: `$(question) ${id}`, description: 'not in the policy’s agents list', detail: `This session: ${c.allow} allowed, ${c.deny} denied, ${c.ask} asked` });
      for (const { info } of guard.terminals.all()) {
        if (info.subject.kind === 'agent') items.push({ label: `$(terminal) ${info.name}`, description: `terminal of agent ${info.subject.id}`, detail: info.subject.evidence });
      }
      if (!items.length) items.push({ label: 'No agents registered', detail: `Add an agents: list to ${POLICY_FILE} (id, owner, purpose, risk, expires).` });
      await vscode.window.showQuickPick(items, { title: 'Agent Policy: Agents' });
    }),
    vscode.commands.registerCommand(COMMANDS.showGrants, async () => {
      const broker = guard.brokerInstance;
      const grants = broker?.listSessionGrants().flatMap((s) => s.grants.map((g) => ({ label: displayText(g.label, 200), description: `session ${s.sessionId.slice(0, 8)}`, sessionId: s.sessionId, key: g.key }))) ?? [];
      if (!grants.length) {
        void vscode.window.showInformationMessage('Agent Policy: no "Allow for this session" grants are in force.');
        return;
      }
      const pick = await vscode.window.showQuickPick(grants, { title: 'Session grants — pick the ones to revoke', canPickMany: true });
      for (const g of pick ?? []) broker?.revokeSessionGrant(g.sessionId, g.key);
      guard.updateGrantsContext();
      if (pick?.length) void vscode.window.showInformationMessage(`Agent Policy: revoked ${pick.length} grant(s).`);
    }),
    vscode.commands.registerCommand(COMMANDS.exportAuditLog, async (format?: string, target?: vscode.Uri) => {
      const fmt = (
        format && (EXPORT_FORMATS as readonly string[]).includes(format)
          ? format
          : (await vscode.window.showQuickPick(
              EXPORT_FORMATS.map((f) => ({ label: FORMAT_INFO[f].label, description: f, detail: FORMAT_INFO[f].detail, f })),
              { title: 'Agent Policy: Export Audit Log', placeHolder: 'Pick a format (every event this workspace’s guard recorded)' },
            ))?.f
      ) as ExportFormat | undefined;
      if (!fmt) return;
      const name = `agentpolicy-audit-${path.basename(ws).replace(/[^\w.-]+/g, '_')}-${new Date().toISOString().slice(0, 10)}.${FORMAT_INFO[fmt].ext}`;
      // Outside the repository: an export is not part of the project (and must not be committed).
      const uri = target ?? (await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(path.join(os.homedir(), name)), title: `Export the audit log as ${FORMAT_INFO[fmt].label}`, saveLabel: 'Export' }));
      if (!uri) return;
      const out = fs.createWriteStream(uri.fsPath, { mode: 0o600 });
      try {
        const result = await exportLog(guard.auditDir, fmt, out);
        await new Promise<void>((r, j) => out.end((e?: Error | null) => (e ? j(e) : r())));
        const open = 'Open';
        const inRepo = uri.fsPath.startsWith(ws + path.sep);
        const choice = await vscode.window.showInformationMessage(
          `Agent Policy: exported ${result.events} event${result.events === 1 ? '' : 's'} as ${FORMAT_INFO[fmt].label} to ${uri.fsPath}${result.omitted ? ` (${result.omitted} internal record(s) have no place in this format)` : ''}.${inRepo ? ' It is inside the repository: do not commit it.' : ''}`,
          open,
        );
        if (choice === open) await vscode.window.showTextDocument(uri);
      } catch (e) {
        out.destroy();
        void vscode.window.showErrorMessage(`Agent Policy: the export failed: ${(e as Error).message}`);
      }
    }),
    vscode.commands.registerCommand(COMMANDS.relaunchTerminals, async () => {
      const stale = guard.terminals.unguarded;
      if (!stale.length) {
        void vscode.window.showInformationMessage(`Agent Policy: nothing to relaunch — all ${vscode.window.terminals.length} open terminal(s) are guarded.`);
        return;
      }
      const names: string[] = [];
      for (const t of stale) {
        const opts = t.creationOptions as vscode.TerminalOptions;
        guard.terminals.create({ name: t.name, cwd: opts.cwd, shellPath: opts.shellPath, shellArgs: opts.shellArgs }, 'internal').show(true);
        names.push(t.name);
        guard.terminals.forget(t);
        t.dispose();
      }
      guard.refreshState();
      void vscode.window.showInformationMessage(`Agent Policy: relaunched ${names.length} unguarded terminal(s) with the guard: ${names.join(', ')}. The old ones are closed.`);
    }),
    vscode.commands.registerCommand(COMMANDS.shipAuditLog, async () => {
      const r = await shipping.ship();
      if (!r) {
        const open = 'Open Settings';
        const choice = await vscode.window.showInformationMessage('Agent Policy: audit shipping is not configured. Set one of agentPolicy.audit.syslog, agentPolicy.audit.hecUrl or agentPolicy.audit.otlpUrl.', open);
        if (choice === open) await vscode.commands.executeCommand('workbench.action.openSettings', 'agentPolicy.audit');
        return;
      }
      if (r.error) void vscode.window.showWarningMessage(`Agent Policy: shipping to ${r.destination} failed: ${r.error}. ${r.backlog} record(s) are waiting and will be sent when it answers.`);
      else void vscode.window.showInformationMessage(`Agent Policy: sent ${r.sent} record(s) to ${r.destination}; ${r.backlog ? `${r.backlog} still waiting` : 'nothing is waiting'}.`);
    }),
    vscode.commands.registerCommand(COMMANDS.showLog, () => showLog()),
    vscode.commands.registerCommand(COMMANDS.reviewPolicyChange, (file?: string) => gate.review(typeof file === 'string' ? file : undefined)),
    vscode.commands.registerCommand(COMMANDS.statusMenu, async () => {
      type Item = vscode.QuickPickItem & { run?: () => unknown };
      const killed = guard.state === 'killed';
      const items: Item[] = [];
      const waiting = d.pendingCount();
      // The common action first: what needs the person now, then what people use most.
      if (killed) items.push({ label: '$(debug-restart) Re-arm agents…', detail: 'Every agent is blocked (kill switch)', run: () => vscode.commands.executeCommand(COMMANDS.rearm) });
      if (waiting) items.push({ label: `$(bell-dot) Answer ${waiting} waiting request${waiting === 1 ? '' : 's'}`, run: () => vscode.commands.executeCommand(COMMANDS.showApprovals) });
      if (gate.held.length) items.push({ label: `$(diff) Review ${gate.held.length} held policy change${gate.held.length === 1 ? '' : 's'}`, run: () => gate.review() });
      const unguarded = guard.terminals.unguarded.length;
      if (unguarded) items.push({ label: `$(terminal) Relaunch ${unguarded} unguarded terminal(s)`, run: () => vscode.commands.executeCommand(COMMANDS.relaunchTerminals) });
      items.push(
        { label: '$(list-flat) Show audit log', run: () => vscode.commands.executeCommand(COMMANDS.showAuditLog) },
        { label: '$(question) Explain a command…', run: () => vscode.commands.executeCommand(COMMANDS.explainCommand) },
        policies.repoFile
          ? { label: '$(go-to-file) Open policy', description: POLICY_FILE, run: () => vscode.commands.executeCommand(COMMANDS.openPolicy) }
          : { label: '$(file-add) Create policy…', description: 'the built-in policy is in force until you do', run: () => vscode.commands.executeCommand(COMMANDS.createPolicy) },
        { label: '$(person) Show agents', run: () => vscode.commands.executeCommand(COMMANDS.showAgents) },
        { label: '$(plug) Connect agents…', description: 'install or remove our hook in each agent’s config', run: () => vscode.commands.executeCommand(COMMANDS.connectAgents) },
      );
      if (guard.brokerInstance?.listSessionGrants().some((s) => s.grants.length)) items.push({ label: '$(key) Show session grants', run: () => vscode.commands.executeCommand(COMMANDS.showGrants) });
      items.push({ label: '$(export) Export audit log…', run: () => vscode.commands.executeCommand(COMMANDS.exportAuditLog) });
      if (shipping.configured()) items.push({ label: '$(cloud-upload) Ship audit log now', run: () => vscode.commands.executeCommand(COMMANDS.shipAuditLog) });
      items.push({ label: '$(output) Show log', run: showLog });
      if (!killed) {
        items.push({ label: '', kind: vscode.QuickPickItemKind.Separator }, { label: '$(circle-slash) Block all agents (kill switch)…', detail: 'Revokes every credential now; asks you to confirm', run: () => vscode.commands.executeCommand(COMMANDS.blockAllAgents) });
      }
      const pick = await vscode.window.showQuickPick(items, { title: `Agent Policy — ${guard.state}`, placeHolder: guard.degradedBecause.join('; ') || 'What do you want to do?' });
      await pick?.run?.();
    }),
  ];
}
