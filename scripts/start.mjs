#!/usr/bin/env node
// npm start: the demo. Builds the extension, installs code-server (VS Code in the browser) on demand
// into tools/, makes a demo workspace in a temp folder (a git repository with a bare remote, the
// recommended policy plus a registered demo agent, a little project), starts code-server on
// 127.0.0.1 with the extension installed as its .vsix would install it, and prints the URL. Once the
// guard is up, a script acting like a coding agent works in an Agent terminal: it reads, builds,
// cleans build output, pushes a branch, tries a force push and a secret: watch Pending Approvals,
// the status bar and the audit view fill. Ctrl-C stops everything.
//
//   npm start                      (first run: ~3 min to install code-server)
//   PORT=8080 npm start            a fixed port (default: a free one)
//   KEEP_STATE=1 npm start         keep the temp folder afterwards
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { CODE_SERVER, NODE24, ROOT, cleanup, installExtensionCopy, makeState, makeWorkspace, startCodeServer } from '../test/vscode/lib.mjs';

const say = (m) => console.log(`agentpolicy demo: ${m}`);

// 1. Build the extension.
execFileSync(process.execPath, ['esbuild.js'], { cwd: ROOT, stdio: 'inherit' });

// 2. code-server on demand (Node 24 + code-server under tools/; no browser needed).
if (!fs.existsSync(CODE_SERVER) || !fs.existsSync(NODE24)) {
  say('installing code-server into tools/ (once, about 3 minutes)…');
  const r = spawnSync('bash', [path.join(ROOT, 'scripts/vscode-setup.sh'), '--server-only'], { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error('agentpolicy demo: could not install code-server (see above). It needs the npm registry and, for libkrb5-dev, apt-get (root).');
    process.exit(1);
  }
}

// 3. The demo workspace: recommended policy + a registered demo agent, a project, a bare remote.
const state = makeState('agentpolicy-demo-');
const { ws, remote } = makeWorkspace(state);
const policyFile = path.join(ws, '.agentpolicy.yaml');
const demoAgent = '  - id: demo-agent\n    owner: you\n    purpose: the scripted agent of `npm start` (scripts/demo-agent.sh), in an Agent terminal\n    risk: medium\n';
let policyText = fs.readFileSync(policyFile, 'utf8');
// Register the demo agent (in the template's agents: list, or a list of its own before the rules).
policyText = /^agents:\n/m.test(policyText) ? policyText.replace(/^agents:\n/m, `agents:\n${demoAgent}`) : policyText.replace(/^rules:\n/m, `agents:\n${demoAgent}\nrules:\n`);
// The demo agent pauses between steps.
policyText = policyText.replace(/^rules:\n/m, "rules:\n  # npm start's demo agent pauses between steps.\n  - {id: demo-pauses, action: command, match: sleep, agents: demo-agent, effect: allow}\n");
fs.writeFileSync(policyFile, policyText);
fs.mkdirSync(path.join(ws, 'src'), { recursive: true });
fs.writeFileSync(path.join(ws, 'src', 'app.js'), "console.log('hello from the demo project');\n");
fs.writeFileSync(path.join(ws, '.env'), 'API_KEY=demo-secret-do-not-share\n');
fs.appendFileSync(path.join(ws, '.git', 'info', 'exclude'), '.env\ndist/\n');
const git = (...a) => execFileSync('git', a, { cwd: ws, stdio: 'pipe', env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', HOME: ws } });
git('add', '-A');
git('commit', '-q', '-m', 'demo project');
const agent = path.join(state, 'demo-agent.sh');
fs.copyFileSync(path.join(ROOT, 'scripts', 'demo-agent.sh'), agent);
fs.chmodSync(agent, 0o755);

// 4. code-server on loopback, the extension installed from the files its .vsix holds.
installExtensionCopy(path.join(state, 'extensions'));
const cs = await startCodeServer({
  state,
  ws,
  port: process.env.PORT ? Number(process.env.PORT) : undefined,
  env: { AGENTPOLICY_DEMO_AGENT: `demo-agent=${agent}` },
  settings: { 'workbench.startupEditor': 'none', 'chat.disableAIFeatures': true },
});
const url = `${cs.url}/?folder=${encodeURIComponent(ws)}`;
console.log(`
  Agent Policy demo is running (VS Code ${'1.139'} in your browser, bound to 127.0.0.1 only):

    ${url}

  Workspace: ${ws}   (bare remote: ${remote})
  In a minute the demo agent starts working in the terminal "Agent: demo-agent (demo)": answer its
  requests in Pending Approvals (the shield in the activity bar), then open the audit view
  (status bar → Show audit log). Ctrl-C stops the demo.
`);

// Our own Ctrl-C: stop code-server, then remove the temp folder (lib.mjs's handler would exit first).
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.removeAllListeners(sig);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await cleanup();
  if (process.env.KEEP_STATE === '1') say(`kept ${state}`);
  else fs.rmSync(state, { recursive: true, force: true });
  process.exit(0);
};
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, stop);
await new Promise(() => {});
