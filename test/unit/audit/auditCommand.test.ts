import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { USAGE_EXIT } from '../../../src/cli/args';
import { AuditLog } from '../../../src/core/audit/auditLog';
import { listSegments } from '../../../src/core/audit/segments';
import { commandAllow, commandDeny } from './sampleEvents';
import { readLines, rmrf, runAudit, tempDir, writeLines } from './helpers';

const run = (args: string[]) => runAudit(args);

describe('agentpolicy audit (CLI)', () => {
  let tmp: string;
  let dir: string;
  beforeEach(async () => {
    tmp = tempDir();
    dir = path.join(tmp, 'log');
    const log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
    for (let i = 0; i < 5; i++) await log.append(commandAllow(i));
    await log.append({ ...commandDeny(), context: { ...commandDeny().context, session: 'other' } });
    await log.close();
  });
  afterEach(() => rmrf(tmp));

  it('verify: exit 0 on an intact log', async () => {
    const r = await run(['verify', dir]);
    assert.strictEqual(r.code, 0, r.out + r.err);
    assert.match(r.out, /^OK: log .*, 9 records/m);
  });

  it('verify: exit 1 and FILE:LINE on tampering', async () => {
    const file = listSegments(dir)[0];
    const lines = readLines(file);
    lines[2] = lines[2].replace('"allow"', '"deny"');
    writeLines(file, lines);
    const r = await run(['verify', dir]);
    assert.strictEqual(r.code, 1);
    assert.match(r.out, new RegExp(`TAMPERED ${path.basename(file)}:3: `));
  });

  it('verify: exit 2 on a torn tail', async () => {
    fs.appendFileSync(listSegments(dir)[0], '{"v":1,"lo');
    const r = await run(['verify', dir]);
    assert.strictEqual(r.code, 2);
    assert.match(r.out, /TORN TAIL/);
  });

  it('verify --anchor @file catches truncation', async () => {
    const file = listSegments(dir)[0];
    const lines = readLines(file);
    const anchors = path.join(tmp, 'shipped.txt');
    fs.writeFileSync(anchors, JSON.parse(lines[lines.length - 1]).jws + '\n');
    writeLines(file, lines.slice(0, 3));
    assert.strictEqual((await run(['verify', dir])).code, 0);
    const r = await run(['verify', '--anchor', `@${anchors}`, dir]);
    assert.strictEqual(r.code, 1);
    assert.match(r.out, /truncated/);
  });

  it('export --format ocsf --session --out writes one event a line, 0600', async () => {
    const out = path.join(tmp, 'out.jsonl');
    const r = await run(['export', '--format', 'ocsf', '--session', 'other', '--out', out, dir]);
    assert.strictEqual(r.code, 0, r.err);
    const lines = readLines(out);
    assert.strictEqual(lines.length, 1);
    assert.strictEqual(JSON.parse(lines[0]).action_id, 2);
    assert.strictEqual(fs.statSync(out).mode & 0o777, 0o600);
    assert.match(r.err, /exported 1 event/);
  });

  it('export to stdout in every format', async () => {
    for (const f of ['ocsf', 'ecs', 'cef', 'syslog', 'hec', 'otlp', 'jsonl']) {
      const r = await run(['export', '--format', f, dir]);
      assert.strictEqual(r.code, 0, `${f}: ${r.err}`);
      assert.ok(r.out.trim().split('\n').length >= 6, f);
    }
  });

  it('usage errors exit with the CLI’s one usage status and say what to do', async () => {
    assert.strictEqual((await run(['export', dir])).code, USAGE_EXIT);
    assert.strictEqual((await run(['export', '--format', 'xml', dir])).code, USAGE_EXIT);
    assert.strictEqual((await run(['bogus'])).code, USAGE_EXIT);
    assert.strictEqual((await run(['ship', dir])).code, USAGE_EXIT);
    const h = await run(['--help']);
    assert.strictEqual(h.code, 0);
    assert.match(h.out, /agentpolicy audit verify|verify \[DIR\|FILE\]/);
  });
});
