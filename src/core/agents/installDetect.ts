/**
 * Which agents are on this machine (their CLI on PATH, their config folders, an editor
 * extension the caller reports), and which node an installed hook should run. Used by VS
 * Code's "Connect Agents"; no `vscode` here.
 */
import { execFile } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { AGENT_IDS, type AgentId } from './types';

/** The programs each agent's CLI installs. */
export const AGENT_CLIS: Readonly<Record<AgentId, readonly string[]>> = {
  'claude-code': ['claude'],
  copilot: ['copilot'],
  cursor: ['cursor-agent'],
  gemini: ['gemini'],
  codex: ['codex'],
  cline: ['cline'],
};

/** VS Code extensions that are the agent (Copilot agent mode, Cline). */
export const AGENT_EXTENSIONS: Readonly<Partial<Record<AgentId, readonly string[]>>> = {
  copilot: ['github.copilot-chat'],
  cline: ['saoudrizwan.claude-dev'],
};

export interface Where {
  home: string;
  env: Readonly<Record<string, string | undefined>>;
  /** The workspace folder, when there is one. */
  workspace?: string;
}

/** The agent's own folders in the home directory (honouring its environment overrides). */
export function userConfigFolders(agent: AgentId, w: Where): string[] {
  const h = (...p: string[]) => path.join(w.home, ...p);
  switch (agent) {
    case 'claude-code':
      return [w.env.CLAUDE_CONFIG_DIR || h('.claude')];
    case 'copilot':
      return [w.env.COPILOT_HOME || h('.copilot')];
    case 'cursor':
      return [h('.cursor')];
    case 'gemini':
      return [h('.gemini')];
    case 'codex':
      return [w.env.CODEX_HOME || h('.codex')];
    case 'cline':
      // The extension's global hooks folder, and the CLI's data folder.
      return [h('Documents', 'Cline'), h('.cline')];
  }
}

/** Folders in a repository that say the agent is used there. */
export function repoConfigFolders(agent: AgentId, workspace: string): string[] {
  const r = (...p: string[]) => path.join(workspace, ...p);
  switch (agent) {
    case 'claude-code':
      return [r('.claude')];
    case 'copilot':
      return [r('.github', 'hooks')];
    case 'cursor':
      return [r('.cursor')];
    case 'gemini':
      return [r('.gemini')];
    case 'codex':
      return [r('.codex')];
    case 'cline':
      return [r('.clinerules')];
  }
}

function isExecutableFile(f: string): boolean {
  try {
    const st = fs.statSync(f);
    if (!st.isFile()) return false;
    fs.accessSync(f, fs.constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function isDir(f: string): boolean {
  try {
    return fs.statSync(f).isDirectory();
  } catch {
    return false;
  }
}

/** The absolute folders of a PATH value, in order (relative entries, which depend on the cwd, are skipped). */
export function pathDirs(env: Where['env']): string[] {
  return (env.PATH ?? '').split(path.delimiter).filter((d) => d !== '' && path.isAbsolute(d));
}

/** Every executable `name` on PATH, in PATH order (the first is what a shell runs). */
export function findOnPath(name: string, env: Where['env']): string[] {
  const found: string[] = [];
  for (const d of pathDirs(env)) {
    const f = path.join(d, name);
    if (!found.includes(f) && isExecutableFile(f)) found.push(f);
  }
  return found;
}

export interface AgentDetection {
  agent: AgentId;
  /** The agent's CLIs found on PATH (first match per program). */
  clis: string[];
  /** Its config folders that exist in the home directory. */
  userFolders: string[];
  /** Its folders that exist in the workspace. */
  repoFolders: string[];
  /** Its VS Code extensions that are installed (as the caller reports them). */
  extensions: string[];
  detected: boolean;
}

/** What says each agent is here. `installedExtensions`: the ids of the editor's installed extensions. */
export function detectAgents(w: Where, installedExtensions: readonly string[] = []): AgentDetection[] {
  const ext = new Set(installedExtensions.map((e) => e.toLowerCase()));
  return AGENT_IDS.map((agent) => {
    const clis = AGENT_CLIS[agent].flatMap((p) => findOnPath(p, w.env).slice(0, 1));
    const userFolders = userConfigFolders(agent, w).filter(isDir);
    const repoFolders = w.workspace ? repoConfigFolders(agent, w.workspace).filter(isDir) : [];
    const extensions = (AGENT_EXTENSIONS[agent] ?? []).filter((e) => ext.has(e.toLowerCase()));
    return { agent, clis, userFolders, repoFolders, extensions, detected: clis.length + userFolders.length + repoFolders.length + extensions.length > 0 };
  });
}

// ---------------------------------------------------------------------------------------------
// The node an installed hook runs

/** The bundles are built for node20 (esbuild target). */
export const MIN_NODE_MAJOR = 20;

export interface NodeCandidate {
  /** As found: a PATH entry, or the running process's executable. */
  path: string;
  source: 'path' | 'process';
}

export interface NodeChoice {
  /** Absolute real path (no symbolic links) written into the hook. */
  node: string;
  version: string;
  source: NodeCandidate['source'];
  /** Where it came from, for people: "node on PATH (/usr/local/bin/node)". */
  found: string;
}

export interface NodeRejection {
  candidate: NodeCandidate;
  why: string;
}

/** Runs `node -p process.versions.node` (no PATH, no options from the environment); the version or why not. */
export function probeNode(node: string, timeoutMs = 5000): Promise<{ version: string } | { error: string }> {
  return new Promise((resolve) => {
    execFile(node, ['-p', 'process.versions.node + " " + (process.versions.electron ? "electron" : "node")'], { timeout: timeoutMs, env: { PATH: '/usr/bin:/bin' }, encoding: 'utf8' }, (e, out) => {
      if (e) return resolve({ error: `it did not run (${(e as NodeJS.ErrnoException).code ?? e.message.split('\n')[0]})` });
      const [version, kind] = out.trim().split(' ');
      if (kind !== 'node' || !/^\d+\.\d+\.\d+/.test(version ?? '')) return resolve({ error: `it is not a plain node (${JSON.stringify(out.trim().slice(0, 80))})` });
      const major = Number(version.split('.')[0]);
      if (major < MIN_NODE_MAJOR) return resolve({ error: `it is Node ${version}; the hook needs ${MIN_NODE_MAJOR} or later` });
      resolve({ version });
    });
  });
}

/**
 * Why a node binary may not be recorded in a hook, or undefined when it may: it must be a real,
 * executable file outside the workspace (agents write there) that only its owner can change.
 */
export function unfitNode(real: string, workspace?: string): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(real);
  } catch {
    return 'it does not exist';
  }
  if (!st.isFile() || !isExecutableFile(real)) return 'it is not an executable file';
  if (workspace && (real === workspace || real.startsWith(workspace.replace(/\/+$/, '') + '/'))) return 'it is inside the workspace, where agents can replace it';
  if (st.mode & 0o022) return 'others can write it';
  return undefined;
}

/**
 * The node for the hook: the first fit candidate, in order. Candidates are resolved to their
 * real path (a version manager's shim or a symbolic link would otherwise be run through
 * whatever it points at later) and probed: an Electron binary (VS Code desktop's extension
 * host) is no plain node, and an old Node cannot run the bundle.
 */
export async function chooseHookNode(candidates: readonly NodeCandidate[], workspace?: string): Promise<{ choice?: NodeChoice; rejected: NodeRejection[] }> {
  const rejected: NodeRejection[] = [];
  const seen = new Set<string>();
  for (const c of candidates) {
    let real: string;
    try {
      real = fs.realpathSync(c.path);
    } catch {
      rejected.push({ candidate: c, why: 'it does not exist' });
      continue;
    }
    if (seen.has(real)) continue;
    seen.add(real);
    const unfit = unfitNode(real, workspace);
    if (unfit) {
      rejected.push({ candidate: c, why: unfit });
      continue;
    }
    const p = await probeNode(real);
    if ('error' in p) {
      rejected.push({ candidate: c, why: p.error });
      continue;
    }
    const found = c.source === 'path' ? `node on PATH (${c.path}${c.path !== real ? ` → ${real}` : ''})` : `the Node that runs VS Code's extensions (${real})`;
    return { choice: { node: real, version: p.version, source: c.source, found }, rejected };
  }
  return { rejected };
}

/**
 * The usual order: every `node` on PATH, then the running process's own executable. Pass no
 * `execPath` when the process is Electron (VS Code desktop): run without ELECTRON_RUN_AS_NODE it
 * would start the application, so it is not even probed.
 */
export function nodeCandidates(env: Where['env'], execPath?: string): NodeCandidate[] {
  return [...findOnPath('node', env).map((p) => ({ path: p, source: 'path' as const })), ...(execPath ? [{ path: execPath, source: 'process' as const }] : [])];
}
