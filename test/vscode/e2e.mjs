// End to end, as a person sees it: code-server (VS Code 1.139.1) in headless Debian Chromium, the
// extension installed as its .vsix would install it (the files .vscodeignore packages, copied into
// an isolated extensions dir; no vsce needed), a fresh git workspace with the recommended policy. Open a terminal, type a command the policy answers with
// `ask` (writing outside the workspace), wait for the approval prompt, click "Allow once" in the real
// UI, and check the effect (the file exists). Screenshots: out/test-results/e2e/.
//
//   npm run test:e2e                        (after: bash scripts/vscode-setup.sh)
//   KEEP_STATE=1 npm run test:e2e           keep the temp state dir (kept anyway on failure)
//   AGENTPOLICY_E2E_TIMEOUT_MS=300000       overall limit; past it the run fails, never hangs
import fs from 'node:fs';
import path from 'node:path';
import {
  ROOT, lap, sleep, checkPrerequisites, makeState, makeWorkspace, startCodeServer, launchBrowser, installExtensionCopy,
  overallTimeout, cleanup, copyLogs, waitForFile,
} from './lib.mjs';

const OUT = path.join(ROOT, 'out/test-results/e2e');
const TIMEOUT_MS = Number(process.env.AGENTPOLICY_E2E_TIMEOUT_MS || 5 * 60 * 1000);

checkPrerequisites();
fs.rmSync(OUT, { recursive: true, force: true });
fs.mkdirSync(OUT, { recursive: true });

const state = makeState('agentpolicy-e2e-');
const { ws } = makeWorkspace(state);
const target = path.join('/tmp', `agentpolicy-e2e-${process.pid}-${Date.now().toString(36)}`);
// Override to check the mechanics with another asking command, e.g. AGENTPOLICY_E2E_COMMAND='cp /dev/null {}'.
const command = (process.env.AGENTPOLICY_E2E_COMMAND || 'touch {}').replace('{}', target);
lap(`state ${state}, workspace ${ws}`);

let page;
const shot = async (name) => {
  const f = path.join(OUT, name);
  await page.screenshot({ path: f });
  return f;
};
overallTimeout(TIMEOUT_MS, async () => {
  if (page) await shot('timeout.png').catch(() => {});
  copyLogs(state, path.join(OUT, 'logs'));
  console.error(`state kept in ${state}; logs in ${path.join(OUT, 'logs')}`);
});

let ok = false;
const shots = [];
try {
  // Not the extension-host runner's way (payload + --vscode-option enable-smoke-test-driver): with the
  // smoke-test driver on, the workbench shows no notification toasts, which is what a person clicks.
  const { dest, files } = installExtensionCopy(path.join(state, 'extensions'));
  lap(`installed ${files.length} packaged files into ${dest}`);
  const cs = await startCodeServer({ state, ws, env: { AGENTPOLICY_TEST_OUT: OUT } });
  lap(`code-server ${cs.url} up in ${cs.startMs} ms`);
  const ctx = await launchBrowser(state);
  page = ctx.pages()[0] || await ctx.newPage();
  const consoleLog = fs.createWriteStream(path.join(OUT, 'console.log'));
  page.on('console', (m) => consoleLog.write(`[${m.type()}] ${m.text()}\n`));
  page.on('pageerror', (e) => console.log('[pageerror]', e.message));
  await page.goto(`${cs.url}/?folder=${encodeURIComponent(ws)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60000 });
  lap('workbench rendered');

  // The extension's status bar item, past "starting": the guard is up before the terminal opens
  // (a terminal opened earlier would be unguarded, by design).
  const status = page.locator('.statusbar-item[id$="agentPolicy.status"]');
  await status.waitFor({ state: 'visible', timeout: 60000 });
  await page.waitForFunction(() => {
    const el = [...document.querySelectorAll('.statusbar-item')].find((e) => e.id.endsWith('agentPolicy.status'));
    return el && !el.querySelector('.codicon-loading');
  }, null, { timeout: 30000 });
  lap(`status bar: "${(await status.innerText()).trim()}"`);

  // A new terminal, through the command palette (retry: the first F1 can land before keybindings load).
  for (let attempt = 1; ; attempt++) {
    await page.locator('.monaco-workbench').click({ position: { x: 640, y: 300 } });
    await page.keyboard.press('F1');
    try {
      await page.locator('.quick-input-widget input').waitFor({ state: 'visible', timeout: 5000 });
      break;
    } catch (e) {
      if (attempt >= 3) throw e;
      lap('command palette not open yet, retrying');
    }
  }
  await page.keyboard.type('Terminal: Create New Terminal');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Terminal: Create New Terminal' }).first().waitFor({ timeout: 10000 });
  await page.keyboard.press('Enter');
  const term = page.locator('.terminal-wrapper.active .xterm, .terminal .xterm').first();
  await term.waitFor({ state: 'visible', timeout: 30000 });
  // Wait for the shell's prompt (root's ends in '#', others in '$').
  await page.waitForFunction(() => {
    const rows = document.querySelector('.xterm-rows');
    return rows && /[#$]\s*$/m.test(rows.textContent || '') && (rows.textContent || '').trim().length > 0;
  }, null, { timeout: 30000 });
  await sleep(500);
  lap('terminal open with a prompt');

  await term.click();
  await page.keyboard.type(command, { delay: 10 });
  await page.keyboard.press('Enter');
  lap(`typed: ${command}`);

  // The approval: a notification (or, for high-risk actions, a modal dialog) with "Allow once".
  const prompt = page.locator('.notification-toast, .monaco-dialog-box').filter({ has: page.getByRole('button', { name: 'Allow once', exact: true }) }).first();
  const appeared = await Promise.race([
    prompt.waitFor({ state: 'visible', timeout: 30000 }).then(() => 'prompt'),
    waitForFile(target, 30000).then(() => 'ran', () => new Promise(() => {})),
  ]);
  if (appeared === 'ran' || fs.existsSync(target)) {
    throw new Error(`\`${command}\` ran without asking: commands typed in an interactive terminal are not checked by the guard ` +
      '(interactive bash ignores BASH_ENV; the trap must come through PROMPT_COMMAND or the shell integration)');
  }
  const text = (await prompt.innerText()).replace(/\s+/g, ' ').trim();
  lap(`prompt visible: "${text.slice(0, 200)}"`);
  if (!text.includes(target)) throw new Error(`the prompt does not name ${target}`);
  await sleep(700); // let the toast's fade-in finish before the screenshot
  shots.push(await shot('prompt.png'));

  await prompt.getByRole('button', { name: 'Allow once', exact: true }).click();
  lap('clicked "Allow once"');
  await waitForFile(target, 15000);
  lap(`${target} exists: the approved command ran`);
  await prompt.waitFor({ state: 'hidden', timeout: 10000 });
  await sleep(300);
  shots.push(await shot('after-allow.png'));
  ok = true;
} catch (e) {
  console.error(e);
  if (page) shots.push(await shot('failure.png').catch(() => '(no screenshot)'));
} finally {
  await cleanup();
  fs.rmSync(target, { force: true });
}

copyLogs(state, path.join(OUT, 'logs'));
console.log(ok ? 'e2e: 1 passed, 0 failed' : 'e2e: 0 passed, 1 failed');
for (const s of shots) console.log(`screenshot: ${s}`);
if (!ok || process.env.KEEP_STATE === '1') console.log(`state kept in ${state}`);
else fs.rmSync(state, { recursive: true, force: true });
process.exit(ok ? 0 : 1);
