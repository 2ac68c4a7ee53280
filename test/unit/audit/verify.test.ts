import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { AuditLog } from '../../../src/core/audit/auditLog';
import { listSegments } from '../../../src/core/audit/segments';
import { CheckpointSigner, KEY_FILE, PUBLIC_KEY_FILE } from '../../../src/core/audit/signingKey';
import { formatVerifyReport, verifyExitCode, verifyLog } from '../../../src/core/audit/verify';
import { commandAllow, commandDeny } from './sampleEvents';
import { readLines, rmrf, tempDir, writeLines } from './helpers';

/** A closed log of 10 allows, a deny (with its checkpoint) and 5 allows; returns the segment file. */
async function makeLog(dir: string): Promise<string> {
  const log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
  for (let i = 0; i < 10; i++) await log.append(commandAllow(i));
  await log.append(commandDeny());
  for (let i = 0; i < 5; i++) await log.append(commandAllow(100 + i));
  await log.close();
  return listSegments(dir)[0];
}

describe('audit/verify', () => {
  let dir: string;
  let file: string;
  let name: string;
  beforeEach(async () => {
    dir = path.join(tempDir(), 'log');
    file = await makeLog(dir);
    name = path.basename(file);
  });
  afterEach(() => rmrf(path.dirname(dir)));

  it('passes an untouched log and counts records after the last checkpoint', async () => {
    const r = await verifyLog(dir);
    assert.strictEqual(r.status, 'ok', formatVerifyReport(r));
    assert.strictEqual(verifyExitCode(r), 0);
    assert.strictEqual(r.records, readLines(file).length);
    assert.strictEqual(r.afterLastCheckpoint, 0);
    assert.strictEqual(r.checkpoints, 2);
  });

  it('names an edited line', async () => {
    const lines = readLines(file);
    lines[4] = lines[4].replace('npm test', 'npm tesT');
    writeLines(file, lines);
    const r = await verifyLog(dir);
    assert.strictEqual(verifyExitCode(r), 1);
    assert.deepStrictEqual([r.problem?.file, r.problem?.line], [name, 5]);
    assert.match(formatVerifyReport(r), new RegExp(`TAMPERED ${name}:5: record altered`));
  });

  it('names a deleted line', async () => {
    const lines = readLines(file);
    lines.splice(6, 1); // line 7 goes
    writeLines(file, lines);
    const r = await verifyLog(dir);
    assert.strictEqual(verifyExitCode(r), 1);
    assert.deepStrictEqual([r.problem?.file, r.problem?.line], [name, 7]);
    assert.match(r.problem!.reason, /expected seq 7 but found 8/);
  });

  it('names reordered lines', async () => {
    const lines = readLines(file);
    [lines[2], lines[3]] = [lines[3], lines[2]];
    writeLines(file, lines);
    const r = await verifyLog(dir);
    assert.strictEqual(verifyExitCode(r), 1);
    assert.strictEqual(r.problem?.line, 3);
  });

  it('names a line that is no longer JSON', async () => {
    const lines = readLines(file);
    lines[8] = lines[8].slice(0, 20);
    writeLines(file, lines);
    const r = await verifyLog(dir);
    assert.strictEqual(r.problem?.line, 9);
    assert.match(r.problem!.reason, /not valid JSON/);
  });

  it('detects an edit whose chain was recomputed, through the signed checkpoint', async () => {
    // Rewrite line 3 and recompute every later prev link (as an attacker without the key would).
    const { sha256Hex } = await import('../../../src/core/audit/segments');
    const lines = readLines(file).map((l) => JSON.parse(l));
    lines[2].decision.effect = 'deny';
    const out: string[] = [];
    let prev = lines[0].prev;
    for (const rec of lines) {
      rec.prev = prev;
      const text = JSON.stringify(rec);
      out.push(text);
      prev = sha256Hex(text);
    }
    writeLines(file, out);
    const r = await verifyLog(dir);
    assert.strictEqual(verifyExitCode(r), 1);
    const firstCheckpointLine = lines.findIndex((x) => x.type === 'checkpoint') + 1;
    assert.strictEqual(r.problem?.line, firstCheckpointLine);
    assert.match(r.problem!.reason, /checkpoint signs seq/);
  });

  it('a local chain cannot see a truncated tail, a shipped checkpoint can', async () => {
    const lines = readLines(file);
    const shipped = JSON.parse(lines[lines.length - 1]).jws as string;
    const firstCp = lines.findIndex((l) => JSON.parse(l).type === 'checkpoint');
    writeLines(file, lines.slice(0, firstCp + 1));

    const local = await verifyLog(dir);
    assert.strictEqual(local.status, 'ok', 'honest limit: truncation at a checkpoint looks fine locally');

    const anchored = await verifyLog(dir, { anchors: [shipped] });
    assert.strictEqual(verifyExitCode(anchored), 1);
    assert.deepStrictEqual([anchored.problem?.file, anchored.problem?.line], [name, firstCp + 2]);
    assert.match(anchored.problem!.reason, /truncated/);
  });

  it('a shipped checkpoint matches an intact log', async () => {
    const lines = readLines(file);
    const shipped = lines.map((l) => JSON.parse(l)).filter((r) => r.type === 'checkpoint').map((r) => r.jws as string);
    const r = await verifyLog(dir, { anchors: shipped });
    assert.strictEqual(r.status, 'ok');
    assert.strictEqual(r.anchorsChecked, 2);
  });

  it('detects a log re-signed with a replaced key when the key is pinned or a checkpoint was shipped', async () => {
    const pinned = JSON.parse(fs.readFileSync(path.join(dir, PUBLIC_KEY_FILE), 'utf8'));
    const shipped = JSON.parse(readLines(file).pop()!).jws as string;
    // Attacker: new key, rewrite, re-sign everything.
    fs.rmSync(path.join(dir, KEY_FILE));
    fs.rmSync(path.join(dir, PUBLIC_KEY_FILE));
    fs.rmSync(file);
    const log = await AuditLog.open(dir, { checkpointIntervalMs: 0 });
    await log.append(commandAllow());
    await log.close();
    assert.ok(fs.existsSync(path.join(dir, KEY_FILE)));

    assert.strictEqual((await verifyLog(dir)).status, 'ok', 'self-consistent forgery');
    const withPin = await verifyLog(dir, { publicKeys: [pinned] });
    assert.strictEqual(verifyExitCode(withPin), 1);
    assert.match(withPin.problem!.reason, /unknown key/);
    const withAnchor = await verifyLog(dir, { anchors: [shipped] });
    assert.strictEqual(verifyExitCode(withAnchor), 1);
  });

  it('reports a deleted first segment across rotation', async () => {
    const d2 = path.join(path.dirname(dir), 'rot');
    const log = await AuditLog.open(d2, { checkpointIntervalMs: 0, maxFileBytes: 2048 });
    for (let i = 0; i < 20; i++) await log.append(commandAllow(i));
    await log.close();
    const files = listSegments(d2);
    fs.rmSync(files[0]);
    const r = await verifyLog(d2);
    assert.strictEqual(verifyExitCode(r), 1);
    assert.deepStrictEqual([r.problem?.file, r.problem?.line], [path.basename(files[1]), 1]);
  });

  it('verifies one segment file on its own', async () => {
    const r = await verifyLog(file);
    assert.strictEqual(r.status, 'ok');
  });

  it('flags lines spliced in from another log', async () => {
    const other = path.join(path.dirname(dir), 'other');
    const otherFile = await makeLog(other);
    // Same key so only the log id differs.
    const lines = readLines(file);
    lines[5] = readLines(otherFile)[5];
    writeLines(file, lines);
    const r = await verifyLog(dir);
    assert.strictEqual(r.problem?.line, 6);
    void CheckpointSigner;
  });
});
