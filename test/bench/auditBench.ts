/**
 * Audit benchmarks (run by `npm run bench`): durable append throughput with the
 * hash chain and group commit, against plain appendFile in the same process;
 * and a 1,000,000-event OCSF export (seconds, peak RSS).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AuditLog } from '../../src/core/audit/auditLog';
import { exportLog, EXPORT_FORMATS } from '../../src/core/audit/export/index';
import { formatChunk } from '../../src/core/audit/export/pipeline';
import { segmentName, sha256Hex } from '../../src/core/audit/segments';
import { GENESIS_HASH } from '../../src/core/audit/types';
import type { AuditEvent } from '../../src/core/audit/types';
import { commandAllow, commandDeny, commandResult, everyControl, fileAsk, subjectDecisions } from '../unit/audit/sampleEvents';

function mix(i: number): AuditEvent {
  const k = i % 20;
  if (k === 0) return commandDeny(i);
  if (k === 1) return fileAsk();
  if (k < 8) return commandResult(i);
  return commandAllow(i);
}

async function appendBench(tmp: string, total: number, concurrency: number): Promise<{ durable: number; baseline: number; writes: number; checkpoints: number }> {
  // Baseline: the same lines, appendFile, no hash, no fsync.
  const baseFile = path.join(tmp, 'baseline.jsonl');
  let t = process.hrtime.bigint();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < total) {
      const i = next++;
      await fs.promises.appendFile(baseFile, JSON.stringify({ seq: i, ...mix(i), time: Date.now() }) + '\n');
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const baseline = total / (Number(process.hrtime.bigint() - t) / 1e9);

  const log = await AuditLog.open(path.join(tmp, 'durable'), { checkpointIntervalMs: 0 });
  t = process.hrtime.bigint();
  next = 0;
  const producer = async (): Promise<void> => {
    while (next < total) await log.append(mix(next++));
  };
  await Promise.all(Array.from({ length: concurrency }, producer));
  const durable = total / (Number(process.hrtime.bigint() - t) / 1e9);
  const stats = { ...log.stats };
  await log.close();
  return { durable, baseline, writes: stats.writes, checkpoints: stats.checkpoints };
}

/** Writes `n` chained records straight to a segment (no fsync): the export input. */
function writeBigLog(dir: string, n: number): number {
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  const fd = fs.openSync(path.join(dir, segmentName(1)), 'w', 0o600);
  let prev = GENESIS_HASH;
  let parts: string[] = [];
  const t0 = 1_780_000_000_000;
  for (let seq = 1; seq <= n; seq++) {
    const line = JSON.stringify({ v: 1, log: 'bench-log', seq, ts: t0 + seq, prev, ...mix(seq), time: t0 + seq });
    prev = sha256Hex(line);
    parts.push(line);
    if (parts.length === 5000) {
      fs.writeSync(fd, parts.join('\n') + '\n');
      parts = [];
    }
  }
  if (parts.length) fs.writeSync(fd, parts.join('\n') + '\n');
  // A real log is durable (AuditLog fdatasyncs); without this the export below would be timed
  // against the kernel still writing this gigabyte back.
  fs.fsyncSync(fd);
  const size = fs.fstatSync(fd).size;
  fs.closeSync(fd);
  return size;
}

/** `n` chained record lines in memory (the same mix as the big log). */
function recordLines(n: number, extra?: (seq: number) => AuditEvent | undefined): Buffer {
  let prev = GENESIS_HASH;
  const parts: string[] = [];
  const t0 = 1_780_000_000_000;
  for (let seq = 1; seq <= n; seq++) {
    const line = JSON.stringify({ v: 1, log: 'bench-log', seq, ts: t0 + seq, prev, ...(extra?.(seq) ?? mix(seq)), time: t0 + seq });
    prev = sha256Hex(line);
    parts.push(line);
  }
  return Buffer.from(parts.join('\n') + '\n');
}

/** Events/s of each format's formatter in this thread (no workers, no I/O): the fast paths. */
function formatBench(label: string, bytes: Buffer, n: number): void {
  const rates: string[] = [];
  for (const format of EXPORT_FORMATS) {
    formatChunk(bytes.subarray(0, Math.min(bytes.length, 1 << 20)), format, {}); // warm up
    const t = process.hrtime.bigint();
    const r = formatChunk(bytes, format, {});
    const secs = Number(process.hrtime.bigint() - t) / 1e9;
    if (r.events + r.omitted !== n) throw new Error(`${format}: ${r.events} events`);
    rates.push(`${format} ${Math.round(n / secs / 1000)}k`);
  }
  console.log(`[audit] format ${n} ${label} in-thread, events/s: ${rates.join(', ')}`);
}

export async function runAuditBench(): Promise<void> {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ap-audit-bench-'));
  try {
    const a = await appendBench(tmp, 20000, 64);
    console.log(`[audit] durable append (hash chain + fdatasync + group commit, 64 concurrent): ${Math.round(a.durable)} events/s`);
    console.log(`[audit]   baseline appendFile (no hash, no fsync, same process):     ${Math.round(a.baseline)} events/s`);
    console.log(`[audit]   ratio durable/baseline: ${(a.durable / a.baseline).toFixed(2)}; ${a.writes} write+fdatasync calls for 20000 events (${(20000 / a.writes).toFixed(1)} per commit); ${a.checkpoints} checkpoints`);

    const fn = 100_000;
    formatBench('decision/result records', recordLines(fn), fn);
    const withSubjects = subjectDecisions();
    formatBench('decisions with subjects', recordLines(fn, (seq) => withSubjects[seq % withSubjects.length]), fn);
    const controls = everyControl();
    formatBench('control events', recordLines(fn, (seq) => controls[seq % controls.length]), fn);

    const n = 1_000_000;
    const dir = path.join(tmp, 'big');
    let t = process.hrtime.bigint();
    const size = writeBigLog(dir, n);
    console.log(`[audit] wrote ${n} chained records (${(size / 1e6).toFixed(0)} MB) in ${(Number(process.hrtime.bigint() - t) / 1e9).toFixed(1)} s`);

    const outFile = path.join(tmp, 'export.ocsf.jsonl');
    const out = fs.createWriteStream(outFile);
    if (global.gc) global.gc();
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    let rssAt100k = 0;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
    t = process.hrtime.bigint();
    const r = await exportLog(dir, 'ocsf', out);
    await new Promise<void>((resolve) => out.end(() => resolve()));
    const secs = Number(process.hrtime.bigint() - t) / 1e9;
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    void rssAt100k;
    console.log(
      `[audit] export ${r.events} events to OCSF: ${secs.toFixed(1)} s (${Math.round(r.events / secs)} events/s, ${r.workers ? `${r.workers} worker threads` : 'in-thread'}), ${(fs.statSync(outFile).size / 1e6).toFixed(0)} MB out; RSS ${(rssBefore / 1e6).toFixed(0)} MB before, peak ${(peak / 1e6).toFixed(0)} MB`,
    );
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

if (require.main === module) {
  runAuditBench().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
