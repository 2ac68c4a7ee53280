// Helpers for the extension-host suite. Everything is real (terminals, bash, git, the broker's
// socket, the file system); only the human is stubbed: `Human` replaces
// vscode.window.showWarningMessage / showInformationMessage for the duration of one test.
import * as assert from 'assert';
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as vscode from 'vscode';

export const EXTENSION_ID = 'agentpolicy.agent-policy';

/** Set by test/vscode/run-ext-tests.mjs in code-server's environment (inherited by the extension host). */
function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run this suite through test/vscode/run-ext-tests.mjs`);
  return v;
}
export const WS = env('AGENTPOLICY_TEST_WORKSPACE');
export const OUT = env('AGENTPOLICY_TEST_OUT');
export const REMOTE = env('AGENTPOLICY_TEST_REMOTE');
/** The tests' scratch folder inside the workspace (excluded from git). */
export const SCRATCH = path.join(WS, '.ap-test');
export const POLICY = path.join(WS, '.agentpolicy.yaml');

/** Every command id the extension contributes (checked against package.json and the registry). */
export const COMMAND_IDS = [
  'agentPolicy.createPolicy',
  'agentPolicy.openPolicy',
  'agentPolicy.editUserPolicy',
  'agentPolicy.explainCommand',
  'agentPolicy.showApprovals',
  'agentPolicy.approval.allowOnce',
  'agentPolicy.approval.allowSession',
  'agentPolicy.approval.deny',
  'agentPolicy.approval.explain',
  'agentPolicy.reviewPolicyChange',
  'agentPolicy.blockAllAgents',
  'agentPolicy.rearm',
  'agentPolicy.showAgents',
  'agentPolicy.showAuditLog',
  'agentPolicy.exportAuditLog',
  'agentPolicy.shipAuditLog',
  'agentPolicy.setHecToken',
  'agentPolicy.showGrants',
  'agentPolicy.newAgentTerminal',
  'agentPolicy.connectAgents',
  'agentPolicy.statusMenu',
  'agentPolicy.relaunchTerminals',
  'agentPolicy.showLog',
] as const;

export const APPROVAL_BUTTONS = ['Allow once', 'Allow for this session', 'Deny', 'Explain'] as const;

export interface Decision {
  what: string;
  final: 'allow' | 'deny';
  effect: string;
  ruleIds: string[];
  subject?: { kind: 'agent' | 'person' | 'unknown'; id: string; method: string; evidence: string };
}

/** A request waiting in Pending Approvals, as the API's test hook hands it out (ExtensionMode.Test only). */
export interface PendingRequest {
  id: number;
  modal: boolean;
  shown: { text: string; findings: unknown[] };
  req: { what: string; agent: string; allowSession: boolean; decision: { risk: string; effect: string; ruleIds: string[] } };
  text: { title: string; why: string; rule: string; advice: string; findings: string; who: string; risk: string };
}

export interface Subject {
  kind: 'agent' | 'person' | 'unknown';
  id: string;
  method: string;
  evidence: string;
}

/** What activate() returns (the contract with src/extension.ts). */
export interface AgentPolicyApi {
  version: string;
  state(): 'armed' | 'degraded' | 'killed';
  brokerAddress(): { socketPath: string; port: number } | undefined;
  guardEnvironment(): Record<string, string>;
  pendingApprovals(): number;
  heldPolicyChanges(): readonly { file: string; text: string | null; by: 'person' | 'unknown'; subject: Subject; errors: string[] }[];
  terminals: { terminalSubject(pidChain: readonly number[]): Subject | undefined };
  onDidDecide: vscode.Event<Decision>;
  test?: { pending(): readonly PendingRequest[] };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function waitFor<T>(fn: () => T | undefined | null | false | Promise<T | undefined | null | false>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(100);
  }
}

let counter = 0;
/** A unique name for this run: markers, temp paths, terminal names. */
export function unique(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${++counter}`;
}

export function extension(): vscode.Extension<unknown> {
  const ext = vscode.extensions.getExtension(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded in this extension host`);
  return ext;
}

/** Activates the extension and returns what activate() returned (undefined for the stub). */
export async function activate(): Promise<unknown> {
  return extension().activate();
}

/** The extension's API, checked against the contract; waits until its broker is listening. */
export async function api(): Promise<AgentPolicyApi> {
  const exports = (await activate()) as Partial<AgentPolicyApi> | undefined;
  assert.ok(exports && typeof exports === 'object', 'activate() returned no API object (expected { version, state(), brokerAddress(), guardEnvironment(), pendingApprovals(), onDidDecide })');
  for (const fn of ['state', 'brokerAddress', 'guardEnvironment', 'pendingApprovals', 'onDidDecide'] as const) {
    assert.strictEqual(typeof exports[fn], 'function', `API.${fn} is not a function`);
  }
  const a = exports as AgentPolicyApi & { ready?: () => Promise<void> };
  if (typeof a.ready === 'function') await a.ready();
  await waitFor(() => a.brokerAddress(), 15_000, 'the broker to listen (API.brokerAddress())');
  // The broker starts in the background; the contract's states are armed, degraded and killed.
  await waitFor(() => (a.state() as string) !== 'starting', 15_000, 'the guard to finish starting');
  return a;
}

/** The API if the extension returns one, else undefined: for checks that add to a real-world one. */
export async function apiIfAny(): Promise<AgentPolicyApi | undefined> {
  const exports = (await activate()) as Partial<AgentPolicyApi> | undefined;
  if (!exports || typeof exports.onDidDecide !== 'function' || typeof exports.brokerAddress !== 'function') return undefined;
  return api();
}

/** Collects the decisions the extension reports while it is alive. */
export function recordDecisions(a: AgentPolicyApi | undefined): { events: Decision[]; dispose(): void } {
  const events: Decision[] = [];
  const sub = a?.onDidDecide((d) => events.push(d));
  return { events, dispose: () => sub?.dispose() };
}

// --- the human --------------------------------------------------------------------------------

export interface Prompt {
  /** warning/information: a message or dialog; view: a request answered in Pending Approvals. */
  kind: 'warning' | 'information' | 'error' | 'view';
  message: string;
  detail?: string;
  modal: boolean;
  /** Button labels in order. */
  items: string[];
}

export type Chooser = (p: Prompt) => string | undefined | Promise<string | undefined>;

export function isApproval(p: Prompt): boolean {
  return p.items.includes('Allow once') && p.items.includes('Deny');
}

/** The pointer notification for a request waiting in Pending Approvals. */
export function isPointer(p: Prompt): boolean {
  return p.items.includes('Open Pending Approvals');
}

const NOT_CONSENT = /deny|cancel|^no\b|explain|not now|later|terminate|kill|show|open|details|review|restore|leave it|relaunch/i;

/**
 * The developer, stubbed: replaces showWarningMessage and showInformationMessage until dispose(),
 * records every prompt, and answers with `choose` (undefined = dismissed).
 */
export class Human implements vscode.Disposable {
  readonly prompts: Prompt[] = [];
  private readonly window = vscode.window as unknown as Record<string, unknown>;
  private readonly saved: Record<string, unknown> = {};

  private poll?: NodeJS.Timeout;
  private readonly answered = new Set<unknown>();

  constructor(private readonly choose: Chooser) {
    for (const [name, kind] of [['showWarningMessage', 'warning'], ['showInformationMessage', 'information'], ['showErrorMessage', 'error']] as const) {
      this.saved[name] = this.window[name];
      this.window[name] = (message: string, ...rest: unknown[]) => this.answer(kind, message, rest);
    }
    // Requests in Pending Approvals: the person clicks a row's button (the same command the UI runs).
    const pending = (vscode.extensions.getExtension(EXTENSION_ID)?.exports as AgentPolicyApi | undefined)?.test?.pending;
    if (pending) this.poll = setInterval(() => void this.answerView(pending()), 50);
  }

  private async answerView(list: readonly PendingRequest[]): Promise<void> {
    for (const r of list) {
      // High-risk requests also get a modal: the stubbed dialog answers those.
      if (r.modal || this.answered.has(r)) continue;
      this.answered.add(r);
      const items = ['Allow once', ...(r.req.allowSession ? ['Allow for this session'] : []), 'Deny', 'Explain'];
      const prompt: Prompt = { kind: 'view', message: r.shown.text, detail: `${r.text.title}\n${r.text.why}\n${r.text.rule}\n${r.text.advice}`, modal: false, items };
      this.prompts.push(prompt);
      const choice = await this.choose(prompt);
      const command = choice === 'Allow once' ? 'agentPolicy.approval.allowOnce' : choice === 'Allow for this session' ? 'agentPolicy.approval.allowSession' : choice === 'Explain' ? 'agentPolicy.approval.explain' : choice === 'Deny' ? 'agentPolicy.approval.deny' : undefined;
      if (command) await vscode.commands.executeCommand(command, r);
    }
  }

  /** Approval prompts: `label`; other questions (confirm the kill switch, re-arm): the consenting button. */
  static answering(label: (typeof APPROVAL_BUTTONS)[number]): Human {
    return new Human((p) => (isApproval(p) ? label : p.items.find((i) => !NOT_CONSENT.test(i))));
  }

  /** Denies approvals and dismisses everything else. */
  static denying(): Human {
    return new Human((p) => (isApproval(p) ? 'Deny' : undefined));
  }

  approvals(): Prompt[] {
    return this.prompts.filter(isApproval);
  }

  private async answer(kind: Prompt['kind'], message: string, rest: unknown[]): Promise<unknown> {
    let modal = false;
    let detail: string | undefined;
    const first = rest[0];
    if (first && typeof first === 'object' && !('title' in first)) {
      modal = (first as vscode.MessageOptions).modal === true;
      detail = (first as vscode.MessageOptions).detail;
      rest = rest.slice(1);
    }
    const items = rest.filter((i) => i !== undefined) as (string | vscode.MessageItem)[];
    const label = (i: string | vscode.MessageItem) => (typeof i === 'string' ? i : i.title);
    const prompt: Prompt = { kind, message, detail, modal, items: items.map(label) };
    this.prompts.push(prompt);
    const choice = await this.choose(prompt);
    return choice === undefined ? undefined : items.find((i) => label(i) === choice);
  }

  dispose(): void {
    clearInterval(this.poll);
    for (const [name, fn] of Object.entries(this.saved)) this.window[name] = fn;
  }
}

/** Runs fn with a stubbed human, always restoring the real prompts afterwards. */
export async function withHuman<T>(human: Human, fn: (h: Human) => Promise<T>): Promise<T> {
  try {
    return await fn(human);
  } finally {
    human.dispose();
  }
}

// --- terminals ----------------------------------------------------------------------------------

/** What Copilot's terminal tool puts in the environment of the terminals it creates (VS Code 1.139). */
export const COPILOT_TERMINAL_ENV = { AI_AGENT: 'github_copilot_vscode_agent', COPILOT_AGENT: '1', GIT_PAGER: 'cat' };

/**
 * An agent's way to run a command: `bash -c LINE` in a new integrated terminal carrying Copilot's
 * terminal-tool markers, so the guard attributes it to the registered agent `copilot` (a terminal
 * without them, created by an extension, is an unknown subject: everything asks). The extension's
 * environment injection applies. Resolves with the exit code once the process ends.
 */
export async function runInTerminal(line: string, timeoutMs = 30_000): Promise<number | undefined> {
  const t = vscode.window.createTerminal({ name: unique('ap-test'), shellPath: '/bin/bash', shellArgs: ['-c', line], cwd: WS, env: COPILOT_TERMINAL_ENV });
  try {
    const status = await waitFor(() => t.exitStatus, timeoutMs, `\`bash -c ${line}\` to finish in a terminal`);
    return status.code;
  } finally {
    t.dispose();
  }
}

/** Runs a workbench command that opens a terminal, and returns that terminal. */
async function workbenchTerminal(args?: unknown): Promise<vscode.Terminal> {
  const opened = new Promise<vscode.Terminal>((resolve) => {
    const sub = vscode.window.onDidOpenTerminal((t) => {
      sub.dispose();
      resolve(t);
    });
  });
  await vscode.commands.executeCommand('workbench.action.terminal.new', args);
  const t = await Promise.race([opened, sleep(15_000).then(() => undefined)]);
  if (!t) throw new Error('workbench.action.terminal.new opened no terminal');
  await t.processId;
  return t;
}

/** The person's own terminal: opened in the workbench, as the "+" button does (the default profile, bash). */
export async function openShell(): Promise<vscode.Terminal> {
  const t = await workbenchTerminal({ cwd: WS });
  t.show(true);
  return t;
}

/**
 * Copilot agent mode's terminal, as its terminal tool creates it (VS Code 1.139's
 * ToolTerminalCreator: a hidden workbench terminal with AI_AGENT=github_copilot_vscode_agent,
 * COPILOT_AGENT=1, GIT_PAGER=cat); commands are sent to its interactive shell.
 */
export async function openCopilotShell(): Promise<vscode.Terminal> {
  return workbenchTerminal({ cwd: WS, config: { hideFromUser: true, forcePersist: true, env: COPILOT_TERMINAL_ENV } });
}

/**
 * Types `line` into an interactive shell, then an allowed `touch` of a marker, and waits for the
 * marker: once it exists, the shell has finished with `line` (run, skipped or denied).
 */
export async function typeAndWait(t: vscode.Terminal, line: string, timeoutMs = 30_000, agent = false): Promise<void> {
  const marker = path.join(SCRATCH, unique('done'));
  t.sendText(line);
  // In an agent's terminal the marker must not depend on the previous line: `touch` in the scratch folder is allowed there too.
  t.sendText(`touch ${marker}`);
  await waitFor(() => fs.existsSync(marker), timeoutMs, `the shell to finish \`${line}\` (marker ${path.basename(marker)})${agent ? ' in an agent terminal' : ''}`);
}

// --- git and files ------------------------------------------------------------------------------

function gitEnv(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(GIT_CONFIG_|AGENTPOLICY_SOCKET|AGENTPOLICY_PORT|AGENTPOLICY_TOKEN)/.test(k) && k !== 'BASH_ENV') e[k] = v;
  return { ...e, GIT_CONFIG_NOSYSTEM: '1' };
}

/** The sha of `main` in the bare remote: what a push would move. */
export function remoteMain(): string {
  return execFileSync('git', ['--git-dir', REMOTE, 'rev-parse', 'main'], { encoding: 'utf8', env: gitEnv() }).trim();
}

/** A new local commit, so that an unguarded push would visibly move the remote. */
export function newLocalCommit(): string {
  execFileSync('git', ['commit', '-q', '--allow-empty', '-m', unique('local')], { cwd: WS, env: gitEnv() });
  return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: WS, encoding: 'utf8', env: gitEnv() }).trim();
}

/** A path outside the workspace (writing there asks under the recommended policy). */
export function outsidePath(prefix: string): string {
  return path.join(os.tmpdir(), unique(prefix));
}

export function rm(f: string): void {
  fs.rmSync(f, { force: true, recursive: true });
}
