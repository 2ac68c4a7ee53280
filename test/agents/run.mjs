#!/usr/bin/env node
// npm run test:agents: install the pinned agent CLIs on demand (test/agents/install.sh), then run
// the real-agent suites (out/test/agents/*.test.js) with mocha. When the CLIs cannot be installed
// it prints one loud SKIPPED line and exits 0: nothing was tested, and it says so.
// AGENTPOLICY_TEST_AGENTS=claude-code,codex limits the agents; extra arguments go to mocha.
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const install = spawnSync('bash', [path.join(root, 'test', 'agents', 'install.sh')], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
if (install.status !== 0) {
  const why = (install.stderr || install.stdout || 'unknown error').trim().split('\n').pop();
  console.log(`test:agents: SKIPPED: the agent CLIs could not be installed (${why}); no real-agent test ran`);
  process.exit(0);
}
process.stdout.write(install.stdout);
const mocha = path.join(root, 'node_modules', 'mocha', 'bin', 'mocha.js');
const r = spawnSync(process.execPath, [mocha, '--no-config', '--timeout', '180000', '--reporter', 'spec', path.join(root, 'out', 'test', 'agents', '*.test.js'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
process.exit(r.status ?? 1);
