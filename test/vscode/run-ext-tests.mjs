// Runs the extension-host suite (test/vscode/suite, compiled to out/test/vscode/suite) with mocha
// INSIDE a real VS Code extension host: code-server 4.139.1 (VS Code 1.139.1) on Node 24, loaded
// in headless Debian Chromium. The extension under test is this repository (main: dist/extension.js).
//
//   npm run test:vscode                        (after: bash scripts/vscode-setup.sh)
//   AGENTPOLICY_TEST_GREP='kill switch' npm run test:vscode   only tests whose title matches
//   KEEP_STATE=1 ...                           keep the temp state dir (kept anyway on failure)
//   AGENTPOLICY_TEST_TIMEOUT_MS=360000         overall limit; past it the run fails, never hangs
//
// How: the server gets `--vscode-option enable-smoke-test-driver`; the page URL carries
// ?payload=[["extensionDevelopmentPath",…],["extensionTestsPath",…]] with URIs under the page's own
// host:port; the workbench runs the suite's run() and reports through window.codeAutomationExit,
// which we expose with playwright. Paths reach the tests through the server's environment (the
// extension host inherits it): AGENTPOLICY_TEST_OUT, AGENTPOLICY_TEST_WORKSPACE, AGENTPOLICY_TEST_REMOTE.
// Results, logs and screenshots: out/test-results/vscode/.
import fs from 'node:fs';
import path from 'node:path';
import {
  ROOT, lap, checkPrerequisites, makeState, makeWorkspace, startCodeServer, launchBrowser, forwardConsole,
  payloadUrl, overallTimeout, cleanup, copyLogs,
} from './lib.mjs';

const suiteIndex = path.join(ROOT, 'out/test/vscode/suite/index.js');
const OUT = path.join(ROOT, 'out/test-results/vscode');
const TIMEOUT_MS = Number(process.env.AGENTPOLICY_TEST_TIMEOUT_MS || 6 * 60 * 1000);

checkPrerequisites({ suite: suiteIndex });
fs.rmSync(OUT, { recursive: true, force: true });
fs.mkdirSync(OUT, { recursive: true });

const state = makeState('agentpolicy-vscode-');
const { ws, remote } = makeWorkspace(state);
lap(`state ${state}, workspace ${ws}`);

let page;
overallTimeout(TIMEOUT_MS, async () => {
  if (page) await page.screenshot({ path: path.join(OUT, 'timeout.png') }).catch(() => {});
  copyLogs(state, path.join(OUT, 'logs'));
  console.error(`state kept in ${state}; logs in ${path.join(OUT, 'logs')}`);
});

let code = 1;
try {
  const cs = await startCodeServer({
    state, ws,
    extraArgs: ['--vscode-option', 'enable-smoke-test-driver'],
    env: {
      AGENTPOLICY_TEST_OUT: OUT,
      AGENTPOLICY_TEST_WORKSPACE: ws,
      AGENTPOLICY_TEST_REMOTE: remote,
      AGENTPOLICY_TEST_STATE: state,
      ...(process.env.AGENTPOLICY_TEST_GREP ? { AGENTPOLICY_TEST_GREP: process.env.AGENTPOLICY_TEST_GREP } : {}),
    },
  });
  lap(`code-server ${cs.url} up in ${cs.startMs} ms (pid ${cs.pid})`);

  const ctx = await launchBrowser(state);
  page = ctx.pages()[0] || await ctx.newPage();
  page.on('pageerror', (e) => console.log('[pageerror]', e.message));
  const consoleLog = fs.createWriteStream(path.join(OUT, 'console.log'));
  let exited;
  const done = new Promise((r) => { exited = r; });
  await page.exposeFunction('codeAutomationExit', (c) => exited(c));
  await forwardConsole(page, '  |', consoleLog);
  await page.goto(payloadUrl(cs.url, ws, [['extensionDevelopmentPath', ROOT], ['extensionTestsPath', suiteIndex]]));
  lap('workbench loading; the suite runs in the extension host…');
  code = await done;
  lap(`extension host reported exit code ${code}`);
  await page.screenshot({ path: path.join(OUT, 'final.png') }).catch(() => {});
} catch (e) {
  console.error(e);
  code = 1;
} finally {
  await cleanup();
}

const summary = path.join(OUT, 'summary.txt');
if (fs.existsSync(summary)) console.log('\n' + fs.readFileSync(summary, 'utf8').trim());
else console.log('\nno summary written: the suite did not run (see the log above)');
copyLogs(state, path.join(OUT, 'logs'));
if (code !== 0 || process.env.KEEP_STATE === '1') console.log(`state kept in ${state}`);
else fs.rmSync(state, { recursive: true, force: true });
console.log(`results, logs and screenshots: ${path.relative(process.cwd(), OUT) || OUT}`);
process.exit(code === 0 ? 0 : 1);
