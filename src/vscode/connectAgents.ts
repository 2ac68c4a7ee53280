/**
 * "Agent Policy: Connect Agents…": the agents on this machine (CLI on PATH, config folders, their
 * VS Code extension), whether our hook is in each one's config for this repository and for the
 * user, and a multi-select QuickPick whose checked rows are the hooks that should be installed:
 * check to install (or update a stale one), uncheck to remove, Enter applies. The merging is each
 * agent's installer (src/core/agents/<agent>/install.ts, through src/core/agents/installPlan.ts),
 * the same code `agentpolicy install-hooks` runs.
 *
 * The hook runs this extension's own launcher (<extensionPath>/dist/shim/hook/agentpolicy-hook)
 * with a node recorded at install (see `chooseHookNode`): the first fit `node` on PATH, resolved to
 * its real path, else the extension host's own executable when it is a plain node (code-server,
 * VS Code Server); VS Code desktop's is Electron and never used.
 *
 * The configs are protected paths of the recommended policy (agents may not edit them); each row
 * says whether the policy in force protects its file. Our own writes are handed to the file guard
 * first, so its backstop does not put the old config back.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';
import { ADAPTERS } from '../core/agents/adapters';
import type { Scope } from '../core/agents/install';
import { chooseHookNode, detectAgents, nodeCandidates, type AgentDetection, type NodeChoice, type NodeRejection } from '../core/agents/installDetect';
import { applyHookChange, changedFiles, changesFor, hookConfigReport, hookFile, hookLaunchers, hookStatus, planHookChange, type HookState, type HookTarget } from '../core/agents/installPlan';
import { AGENT_IDS, type AgentId } from '../core/agents/types';
import type { Logger } from '../core/broker/broker';
import { decide } from '../core/pdp/decide';
import type { ControlEventInput } from './controlEvents';
import type { FileGuard } from './fileGuard';
import type { PolicyService } from './policyService';

/** Where to look: the real home and environment, or a test's throwaway ones. */
export interface ConnectWhere {
  home: string;
  env: Readonly<Record<string, string | undefined>>;
  /** The workspace folder on disk; repo scope is offered only with one. */
  workspace?: string;
  /** Ids of the installed VS Code extensions. */
  extensions: readonly string[];
  /** The extension host's executable when it is a plain node (not Electron). */
  execPath?: string;
}

export interface ConnectRow {
  agent: AgentId;
  scope: Scope;
  file: string;
  /** What the file holds now; `error` when it cannot be read. */
  state: HookState | 'error';
  problems: string[];
  detection: AgentDetection;
  /**
   * How the policy in force treats an agent writing this file: denied, asked by a rule of its
   * own, or not protected (allowed, or asked only by a default, which a session grant can open).
   */
  protection: { effect: 'deny' | 'ask' | 'allow'; ruleIds: string[] };
  /** The launchers our hooks there run that no longer exist (an old install). */
  missingLaunchers: string[];
}

export interface ConnectSurvey {
  launcher: string;
  node?: NodeChoice;
  rejectedNodes: NodeRejection[];
  workspace?: string;
  rows: ConnectRow[];
}

export interface ConnectOutcome {
  agent: AgentId;
  scope: Scope;
  mode: 'install' | 'remove';
  file: string;
  /** written / deleted: the file changed; unchanged: it already was as wanted; failed: see error. */
  result: 'written' | 'deleted' | 'unchanged' | 'failed';
  error?: string;
  /** What the person still has to do (trust the hook in Codex, enable hooks in Cline…). */
  notes: string[];
}

export interface ConnectResult {
  node?: NodeChoice;
  outcomes: ConnectOutcome[];
}

const SCOPE_LABEL: Record<Scope, string> = { repo: 'this repository', user: 'your user (all folders)' };

const STATE_LABEL: Record<ConnectRow['state'], { icon: string; text: string }> = {
  current: { icon: '$(pass-filled)', text: 'installed, current' },
  stale: { icon: '$(warning)', text: 'installed but stale' },
  absent: { icon: '$(circle-large-outline)', text: 'not installed' },
  invalid: { icon: '$(error)', text: 'config unreadable' },
  error: { icon: '$(error)', text: 'config unreadable' },
};

/** What still stands between an installed hook and the agent running it. */
function notesFor(agent: AgentId, scope: Scope): string[] {
  switch (agent) {
    case 'codex':
      // The hook's trust entry is written with it (~/.codex/config.toml); the project's trust is the person's (the plan's notes say when it is missing).
      return scope === 'repo' ? ['Codex loads .codex/hooks.json only in a project you trusted in Codex'] : [];
    case 'gemini':
      return scope === 'repo' ? ['Gemini CLI loads .gemini/settings.json only in a trusted folder'] : [];
    case 'cline':
      return ['turn on "Enable Hooks" in Cline\'s settings'];
    default:
      return [];
  }
}

export class ConnectAgents {
  /** Set by the extension's own tests (ExtensionMode.Test only): a throwaway home, PATH and extension list. */
  override?: Partial<ConnectWhere>;

  constructor(
    private readonly extensionPath: string,
    private readonly policies: PolicyService,
    private readonly files: FileGuard,
    private readonly logger: Logger,
    /** Writes the change into the audit log (GuardService.auditControl). */
    private readonly audit: (i: ControlEventInput) => Promise<void> = async () => undefined,
  ) {}

  get launcher(): string {
    return path.join(this.extensionPath, 'dist', 'shim', 'hook', 'agentpolicy-hook');
  }

  where(): ConnectWhere {
    const folder = vscode.workspace.workspaceFolders?.[0];
    return {
      home: os.homedir(),
      env: process.env,
      workspace: folder?.uri.scheme === 'file' ? folder.uri.fsPath : undefined,
      extensions: vscode.extensions.all.map((e) => e.id),
      // VS Code desktop's extension host is Electron: not a node to record (and not to run without ELECTRON_RUN_AS_NODE).
      execPath: process.versions.electron ? undefined : process.execPath,
      ...this.override,
    };
  }

  private target(w: ConnectWhere, node: string): HookTarget {
    // Without a workspace folder repo scope is never offered; the path only keeps the type whole.
    return { workspace: w.workspace ?? path.join(w.home, '.agentpolicy-no-workspace'), home: w.home, env: w.env, launcher: this.launcher, node };
  }

  /** How the policy in force treats an agent's write to `file`. */
  private protection(file: string, agent: AgentId, cwd: string): ConnectRow['protection'] {
    const d = decide(this.policies.policy, { kind: 'file.write', path: file, cwd, agent });
    return { effect: d.effect, ruleIds: d.ruleIds };
  }

  /** Detection, the node the hooks would run, and each agent's hook in each scope. */
  async survey(): Promise<ConnectSurvey> {
    const w = this.where();
    const { choice, rejected } = await chooseHookNode(nodeCandidates(w.env, w.execPath), w.workspace);
    const t = this.target(w, choice?.node ?? '');
    const detections = detectAgents({ home: w.home, env: w.env, workspace: w.workspace }, w.extensions);
    const scopes: Scope[] = w.workspace ? ['repo', 'user'] : ['user'];
    const rows: ConnectRow[] = [];
    for (const detection of detections) {
      for (const scope of scopes) {
        const agent = detection.agent;
        const file = hookFile(agent, scope, t);
        let s: { state: ConnectRow['state']; problems: string[] };
        let missingLaunchers: string[] = [];
        try {
          s = hookStatus(agent, scope, t);
          if (s.state === 'stale') missingLaunchers = hookLaunchers(fs.readFileSync(file, 'utf8')).filter((l) => !fs.existsSync(l));
        } catch (e) {
          s = { state: 'error', problems: [(e as Error).message] };
        }
        rows.push({ agent, scope, file, state: s.state, problems: s.problems, detection, protection: this.protection(file, agent, w.workspace ?? w.home), missingLaunchers });
      }
    }
    return { launcher: this.launcher, node: choice, rejectedNodes: rejected, workspace: w.workspace, rows };
  }

  /** Makes the configs match `wishes` (true: our hook installed and current); reports what it did. */
  async apply(wishes: readonly { agent: AgentId; scope: Scope; want: boolean }[], survey?: ConnectSurvey): Promise<ConnectResult> {
    const s = survey ?? (await this.survey());
    const w = this.where();
    const t = this.target(w, s.node?.node ?? '');
    const statuses = s.rows.filter((r) => r.state !== 'error').map((r) => ({ agent: r.agent, scope: r.scope, file: r.file, exists: true, state: r.state as HookState, problems: r.problems }));
    // A row that could not be read is attempted when asked for: the installer then says why.
    const changes = changesFor(statuses, wishes).concat(
      wishes.filter((x) => x.want && s.rows.some((r) => r.agent === x.agent && r.scope === x.scope && r.state === 'error')).map((x) => ({ mode: 'install' as const, agent: x.agent, scope: x.scope })),
    );
    const outcomes: ConnectOutcome[] = [];
    for (const c of changes) {
      const file = hookFile(c.agent, c.scope, t);
      const notes = c.mode === 'install' ? notesFor(c.agent, c.scope) : [];
      try {
        if (c.mode === 'install' && !s.node) throw new Error(`no usable Node.js ${'≥'} 20 was found for the hook to run (${s.rejectedNodes.map((r) => `${r.candidate.path}: ${r.why}`).join('; ') || 'no node on PATH'})`);
        const plan = planHookChange(c.mode, c.agent, c.scope, t);
        if (changedFiles(plan).length === 0) {
          const left = c.mode === 'install' ? hookStatus(c.agent, c.scope, t).problems : [];
          outcomes.push({ agent: c.agent, scope: c.scope, mode: c.mode, file, result: 'unchanged', notes: [...left, ...notes] });
          continue;
        }
        const written = applyHookChange(plan);
        // The file guard keeps a last known good copy of protected configs: these are the new ones
        // (every file the change wrote: Codex's trust entry is in ~/.codex/config.toml).
        for (const x of changedFiles(plan)) {
          this.files.acceptOwnWrite(x.file, x.content);
          const real = x.file === plan.file ? written : x.content !== null ? fs.realpathSync(x.file) : x.file;
          if (real !== x.file) this.files.acceptOwnWrite(real, x.content);
        }
        outcomes.push({ agent: c.agent, scope: c.scope, mode: c.mode, file, result: plan.action === 'delete' ? 'deleted' : 'written', notes: [...(plan.notes ?? []), ...notes] });
        const r = hookConfigReport(plan, 'Agent Policy: Connect Agents… in VS Code');
        if (r) await this.audit({ control: 'hook-config', subject: { kind: 'person', id: os.userInfo().username, method: 'editor', evidence: 'chosen in Agent Policy: Connect Agents… (VS Code)' }, effect: 'allow', what: r.detail, path: file, hook: r.data }).catch((e: Error) => this.logger.error(`[connect] the change was made but not audited: ${e.message}`));
        this.logger.info(`[connect] ${c.mode === 'install' ? `installed the ${ADAPTERS[c.agent].displayName} hook in` : `removed the ${ADAPTERS[c.agent].displayName} hook from`} ${file} (${c.scope})${c.mode === 'install' ? `: ${this.launcher} with ${s.node!.node}` : ''}`);
      } catch (e) {
        outcomes.push({ agent: c.agent, scope: c.scope, mode: c.mode, file, result: 'failed', error: (e as Error).message, notes: [] });
        this.logger.error(`[connect] ${c.mode} ${c.agent} (${c.scope}, ${file}): ${(e as Error).message}`);
      }
    }
    return { node: s.node, outcomes };
  }

  /** The command: the QuickPick, then the changes, then what was done (with "Show file"). */
  async run(): Promise<ConnectResult | undefined> {
    const s = await this.survey();
    const w = this.where();
    type Item = vscode.QuickPickItem & { row?: ConnectRow };
    const rel = (f: string) => displayPath(f, w);
    const name = (a: AgentId) => ADAPTERS[a].displayName;
    const item = (r: ConnectRow): Item => {
      const st = STATE_LABEL[r.state];
      const seen = [
        ...r.detection.clis.map((c) => `${path.basename(c)} on PATH`),
        ...r.detection.extensions.map((e) => `extension ${e}`),
        ...(r.scope === 'repo' ? r.detection.repoFolders : r.detection.userFolders).map(rel),
      ];
      const why = r.missingLaunchers.length ? `runs ${r.missingLaunchers.map(rel).join(', ')}, which no longer exists: the agent's tool calls are not checked` : r.state !== 'current' && r.state !== 'absent' ? r.problems[0] : undefined;
      const p = r.protection;
      const guard =
        p.effect === 'deny'
          ? 'protected: agents may not edit it'
          : p.effect === 'ask' && p.ruleIds.length
            ? `agents must ask you to edit it (${p.ruleIds.join(', ')})`
            : `NOT protected by your policy (${p.effect === 'ask' ? 'an agent\'s edit only asks, as any write there' : 'agents could edit it'}): add it under protected:`;
      return {
        label: `${st.icon} ${name(r.agent)}`,
        description: `${SCOPE_LABEL[r.scope]} · ${st.text}`,
        detail: [rel(r.file), why, guard, seen.length ? `seen: ${seen.join(', ')}` : undefined].filter(Boolean).join(' · '),
        picked: r.state === 'current' || r.state === 'stale',
        row: r,
      };
    };
    const detected = new Set(s.rows.filter((r) => r.detection.detected).map((r) => r.agent));
    const order = (ids: AgentId[]) => s.rows.filter((r) => ids.includes(r.agent)).map(item);
    const found = AGENT_IDS.filter((a) => detected.has(a));
    const other = AGENT_IDS.filter((a) => !detected.has(a));
    const items: Item[] = [
      ...(found.length ? [{ label: `Detected on this machine (${found.map(name).join(', ')})`, kind: vscode.QuickPickItemKind.Separator } as Item, ...order(found)] : []),
      ...(other.length ? [{ label: 'Not detected', kind: vscode.QuickPickItemKind.Separator } as Item, ...order(other)] : []),
    ];
    const nodeLine = s.node ? `Hooks run ${rel(s.launcher)} with Node ${s.node.version}: ${s.node.found}` : `No usable Node.js ${'≥'} 20 found (${s.rejectedNodes.map((r) => `${r.candidate.path}: ${r.why}`).join('; ') || 'none on PATH'}): hooks can be removed, not installed`;
    const picked = await vscode.window.showQuickPick(items, {
      title: 'Agent Policy: Connect Agents',
      placeHolder: `Checked = our hook installed. Check to install, uncheck to remove, Enter to apply. ${nodeLine}${w.workspace ? '' : '. No folder is open: only user-wide hooks'}`,
      canPickMany: true,
      matchOnDescription: true,
      matchOnDetail: true,
      ignoreFocusOut: true,
    });
    if (!picked) return undefined;
    const chosen = new Set(picked.map((p) => p.row).filter((r): r is ConnectRow => !!r));
    const result = await this.apply(
      s.rows.map((r) => ({ agent: r.agent, scope: r.scope, want: chosen.has(r) })),
      s,
    );
    await this.report(result, w);
    return result;
  }

  private async report(r: ConnectResult, w: ConnectWhere): Promise<void> {
    const rel = (f: string) => displayPath(f, w);
    const name = (a: AgentId) => ADAPTERS[a].displayName;
    if (!r.outcomes.length) {
      void vscode.window.showInformationMessage('Agent Policy: nothing to change; the hooks are as you checked them.');
      return;
    }
    const line = (o: ConnectOutcome) => {
      const where = `${rel(o.file)} (${o.scope === 'repo' ? 'repository' : 'user'})`;
      if (o.result === 'failed') return `could not ${o.mode} the ${name(o.agent)} hook in ${where}: ${o.error}`;
      if (o.result === 'unchanged') return `${name(o.agent)}: ${where} was already ${o.mode === 'install' ? 'current' : 'without our hook'}`;
      if (o.mode === 'install') return `installed the ${name(o.agent)} hook in ${where}`;
      return `removed the ${name(o.agent)} hook from ${where}${o.result === 'deleted' ? ' (the file held only ours, so it is gone)' : ''}`;
    };
    const failed = r.outcomes.filter((o) => o.result === 'failed');
    const notes = [...new Set(r.outcomes.flatMap((o) => o.notes.map((n) => `${name(o.agent)}: ${n}`)))];
    const installed = r.outcomes.some((o) => o.mode === 'install' && o.result === 'written');
    const message = `Agent Policy: ${r.outcomes.map(line).join('; ')}.${installed && r.node ? ` The hooks run Node ${r.node.version} (${r.node.node}).` : ''}${notes.length ? ` Still to do — ${notes.join('; ')}.` : ''}${installed ? ' Agents read their config when a session starts: restart running ones.' : ''}`;
    const shown = r.outcomes.filter((o) => o.result !== 'failed' && fs.existsSync(o.file)).map((o) => o.file);
    const show = 'Show file';
    const choice = await (failed.length ? vscode.window.showWarningMessage : vscode.window.showInformationMessage)(message, ...(shown.length ? [show] : []));
    if (choice !== show) return;
    const file = shown.length === 1 ? shown[0] : (await vscode.window.showQuickPick(shown.map((f) => ({ label: rel(f), file: f })), { title: 'Agent Policy: Show file' }))?.file;
    if (file) await vscode.window.showTextDocument(vscode.Uri.file(file));
  }

  /**
   * Hooks of ours that run a launcher which is gone (this extension updated or moved, the CLI
   * uninstalled): for most agents a hook that cannot start lets the tool run, so say so once.
   */
  async warnBroken(): Promise<ConnectRow[]> {
    const s = await this.survey();
    const broken = s.rows.filter((r) => r.missingLaunchers.length);
    if (!broken.length) return broken;
    const w = this.where();
    const update = 'Update them';
    const open = 'Connect Agents…';
    const choice = await vscode.window.showWarningMessage(
      `Agent Policy: ${broken.map((r) => `${ADAPTERS[r.agent].displayName} (${displayPath(r.file, w)})`).join(', ')} run${broken.length === 1 ? 's' : ''} a hook launcher that no longer exists, so ${broken.length === 1 ? 'its' : 'their'} tool calls are not checked${broken.some((r) => r.agent === 'claude-code') ? ' (Claude Code blocks them instead)' : ''}. Point ${broken.length === 1 ? 'it' : 'them'} at this version's launcher?`,
      update,
      open,
    );
    if (choice === update) await this.report(await this.apply(broken.map((r) => ({ agent: r.agent, scope: r.scope, want: true })), s), w);
    else if (choice === open) await this.run();
    return broken;
  }
}

/** `~/…` for the home folder, relative for the workspace. */
export function displayPath(f: string, w: Pick<ConnectWhere, 'home' | 'workspace'>): string {
  if (w.workspace && f.startsWith(w.workspace + path.sep)) return path.relative(w.workspace, f);
  if (f.startsWith(w.home + path.sep)) return `~/${path.relative(w.home, f)}`;
  return f;
}

