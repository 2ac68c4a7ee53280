// Loaded by the VS Code extension host as extensionTestsPath (see test/vscode/run-ext-tests.mjs):
// runs every *.test.js next to this file with mocha (tdd UI), inside the extension host, and
// writes a summary to $AGENTPOLICY_TEST_OUT (summary.txt, results.json) for the runner to print.
import * as fs from 'fs';
import * as path from 'path';
import Mocha from 'mocha';

interface Result {
  title: string;
  state: 'passed' | 'failed' | 'pending';
  ms?: number;
  error?: string;
}

export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 45_000, reporter: 'spec' });
  if (process.env.AGENTPOLICY_TEST_GREP) mocha.grep(process.env.AGENTPOLICY_TEST_GREP);
  for (const f of fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort()) {
    mocha.addFile(path.join(__dirname, f));
  }
  const out = process.env.AGENTPOLICY_TEST_OUT;
  const results: Result[] = [];
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures) => {
      const passed = results.filter((r) => r.state === 'passed').length;
      const pending = results.filter((r) => r.state === 'pending').length;
      const lines = [
        `extension-host suite (VS Code ${require('vscode').version}, extension host ${process.version}): ` +
          `${passed} passed, ${failures} failed${pending ? `, ${pending} skipped` : ''} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
        ...results.map((r) => `  ${r.state === 'passed' ? 'ok  ' : r.state === 'failed' ? 'FAIL' : 'skip'} ${r.title}${r.ms !== undefined ? ` (${r.ms} ms)` : ''}` +
          (r.error ? `\n         ${r.error.split('\n')[0]}` : '')),
      ];
      if (out) {
        try {
          fs.mkdirSync(out, { recursive: true });
          fs.writeFileSync(path.join(out, 'summary.txt'), lines.join('\n') + '\n');
          fs.writeFileSync(path.join(out, 'results.json'), JSON.stringify(results, null, 2));
        } catch {
          /* the runner reports the exit code anyway */
        }
      }
      console.log(lines.join('\n'));
      if (failures > 0) reject(new Error(`${failures} test(s) failed`));
      else resolve();
    });
    runner.on('pass', (t) => results.push({ title: t.fullTitle(), state: 'passed', ms: t.duration }));
    runner.on('fail', (t, err) => results.push({ title: t.fullTitle(), state: 'failed', ms: t.duration, error: String(err?.message ?? err) }));
    runner.on('pending', (t) => results.push({ title: t.fullTitle(), state: 'pending' }));
  });
}
