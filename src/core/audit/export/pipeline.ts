/**
 * The export pipeline: the log is read in chunks of whole lines; each chunk is
 * parsed, filtered and formatted into one block of output text; blocks are
 * written in order, honouring back-pressure. Memory is bounded by the chunks in
 * flight, whatever the log size.
 *
 * Big logs are formatted on worker threads (parsing and formatting are nearly
 * all the cost): the main thread only reads, hands chunks out round-robin and
 * writes the results back in chunk order, so the output is the same bytes as
 * formatting in-thread. Workers load this same module — from the tsc output or
 * from the esbuild bundle it was bundled into (`__filename`) — and serve when
 * they see WORKER_TAG in their workerData. If a worker cannot start (say the
 * bundle needs `vscode`, which only the extension host provides), the export
 * runs in-thread.
 */
import * as fs from 'fs';
import * as os from 'os';
import type { Writable } from 'stream';
import { isMainThread, parentPort, Worker, workerData } from 'worker_threads';
import { parseRecordLine, readLineChunks } from '../reader';
import type { ReadStats, RecordFilter } from '../reader';
import { targetFiles } from '../target';
import { formatRecord } from './format';
import type { ExportFormat } from './format';

export interface ExportResult {
  /** Lines written. */
  events: number;
  /** Records read that the format has no place for. */
  omitted: number;
  stats: ReadStats;
  /** Worker threads that formatted (0: in-thread). */
  workers: number;
}

export interface ExportOptions {
  /**
   * Worker threads to format with; 0 formats in-thread. Default: one per CPU
   * (at most 4) when the log is at least `minWorkerBytes`, else 0. The
   * AGENTPOLICY_EXPORT_WORKERS environment variable overrides the default.
   */
  workers?: number;
  /** Log size from which workers are used by default (32 MiB). */
  minWorkerBytes?: number;
  /** Bytes read per chunk (default 128 KiB: small chunks keep the formatted text in V8's young generation). */
  chunkBytes?: number;
  /** The module workers load (tests); default: the file this code is in, as compiled or bundled. */
  workerScript?: string;
}

/** What formatting one chunk gives. */
export interface ChunkResult {
  /** The formatted lines, UTF-8, each ending '\n'; the Buffer owns its ArrayBuffer (offset 0). */
  out: Buffer;
  events: number;
  omitted: number;
  skipped: number;
}

/** Parses, filters and formats a chunk of whole lines (each ending '\n'). */
export function formatChunk(bytes: Uint8Array, format: ExportFormat, filter: RecordFilter): ChunkResult {
  const stats: ReadStats = { skipped: 0, torn: 0 };
  // Decoding the chunk at once equals decoding line by line: '\n' never occurs inside a UTF-8 sequence.
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  // Each line is encoded as soon as it is made: concatenating the lines and encoding the whole
  // made V8 flatten one big rope of small pieces, which cost more than formatting.
  let out = Buffer.allocUnsafeSlow(Math.max(64 << 10, bytes.byteLength * 3));
  let off = 0;
  let events = 0;
  let omitted = 0;
  let start = 0;
  for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', start)) {
    const rec = parseRecordLine(text.slice(start, nl), filter, stats);
    start = nl + 1;
    if (!rec) continue;
    const line = formatRecord(rec, format);
    if (line === undefined) {
      omitted++;
      continue;
    }
    // UTF-8 needs at most 3 bytes per UTF-16 code unit.
    const need = off + line.length * 3 + 1;
    if (need > out.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(out.length * 2, need));
      out.copy(bigger, 0, 0, off);
      out = bigger;
    }
    off += out.write(line, off, 'utf8');
    out[off++] = 10;
    events++;
  }
  return { out: out.subarray(0, off), events, omitted, skipped: stats.skipped };
}

/**
 * Streams `target` (a log directory, a root of streams — stream after stream —, or a
 * segment file) to `out` in `format`; see the module comment.
 */
export async function runExport(target: string, format: ExportFormat, out: Writable, filter: RecordFilter = {}, opts: ExportOptions = {}): Promise<ExportResult> {
  const files = targetFiles(target);
  const result: ExportResult = { events: 0, omitted: 0, stats: { skipped: 0, torn: 0 }, workers: 0 };
  const workers = workerCount(files, opts);
  const pool = workers > 0 ? await WorkerPool.start(workers, format, filter, opts.workerScript ?? __filename) : undefined;
  result.workers = pool?.size ?? 0;
  try {
    if (pool) await exportPooled(pool, files, out, result, opts.chunkBytes ?? 128 << 10);
    else await exportInThread(files, format, out, filter, result, opts.chunkBytes ?? 128 << 10);
  } finally {
    await pool?.close();
  }
  return result;
}

function workerCount(files: string[], opts: ExportOptions): number {
  if (opts.workers !== undefined) return Math.max(0, Math.floor(opts.workers));
  const env = process.env.AGENTPOLICY_EXPORT_WORKERS;
  if (env !== undefined && env !== '' && Number.isFinite(Number(env))) return Math.max(0, Math.floor(Number(env)));
  const cpus = typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  if (cpus < 2) return 0;
  let bytes = 0;
  for (const f of files) {
    try {
      bytes += fs.statSync(f).size;
    } catch {
      // Listed but gone: the reader will say so.
    }
  }
  return bytes >= (opts.minWorkerBytes ?? 32 << 20) ? Math.min(cpus, 4) : 0;
}

async function exportInThread(files: string[], format: ExportFormat, out: Writable, filter: RecordFilter, result: ExportResult, chunkBytes: number): Promise<void> {
  for (const file of files) {
    for await (const chunk of readLineChunks(file, chunkBytes)) {
      if ('torn' in chunk) {
        result.stats.torn++;
        continue;
      }
      const r = formatChunk(chunk.bytes, format, filter);
      result.events += r.events;
      result.omitted += r.omitted;
      result.stats.skipped += r.skipped;
      if (r.out.length && !out.write(r.out)) await waitDrain(out);
    }
  }
}

async function exportPooled(pool: WorkerPool, files: string[], out: Writable, result: ExportResult, chunkBytes: number): Promise<void> {
  // Enough chunks in flight that no worker waits on a write; bounded, so memory stays flat.
  const maxInFlight = pool.size * 8;
  const inFlight: Promise<WorkerReply>[] = [];
  const writeNext = async (): Promise<void> => {
    const r = await inFlight.shift()!;
    result.events += r.events;
    result.omitted += r.omitted;
    result.stats.skipped += r.skipped;
    if (r.out.byteLength && !out.write(Buffer.from(r.out.buffer, r.out.byteOffset, r.out.byteLength))) await waitDrain(out);
  };
  let id = 0;
  for (const file of files) {
    for await (const chunk of readLineChunks(file, chunkBytes)) {
      if ('torn' in chunk) {
        result.stats.torn++;
        continue;
      }
      const p = pool.run(id++, chunk.bytes);
      // Rejections are seen in order by writeNext; this keeps a later one from going unhandled meanwhile.
      p.catch(() => undefined);
      inFlight.push(p);
      if (inFlight.length >= maxInFlight) await writeNext();
    }
  }
  while (inFlight.length) await writeNext();
}

export function waitDrain(out: Writable): Promise<void> {
  return new Promise((resolve, reject) => {
    const onDrain = (): void => {
      out.off('error', onError);
      resolve();
    };
    const onError = (e: Error): void => {
      out.off('drain', onDrain);
      reject(e);
    };
    out.once('drain', onDrain);
    out.once('error', onError);
  });
}

// --- Worker threads -------------------------------------------------------

const WORKER_TAG = 'agentpolicy-audit-export-worker';

interface WorkerSetup {
  tag: typeof WORKER_TAG;
  script: string;
  format: ExportFormat;
  filter: RecordFilter;
}

interface WorkerJob {
  id: number;
  buf: ArrayBuffer;
  length: number;
}

interface WorkerReply {
  id: number;
  out: Uint8Array;
  events: number;
  omitted: number;
  skipped: number;
  error?: string;
}

/**
 * Loads the module (or bundle) that holds this code, then says it is ready;
 * loading it runs serveExportWorker below. Posting 'ready' only after require
 * returns means a bundle that fails to load never takes work.
 */
const WORKER_BOOT = `
const { parentPort, workerData } = require('worker_threads');
require(workerData.script);
parentPort.postMessage({ ready: true });
`;

class WorkerPool {
  private readonly pending: Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>[];

  private constructor(private readonly workers: Worker[]) {
    this.pending = workers.map(() => new Map());
    workers.forEach((w, i) => {
      const pending = this.pending[i];
      const failAll = (e: Error): void => {
        for (const p of pending.values()) p.reject(e);
        pending.clear();
      };
      w.on('message', (m: WorkerReply) => {
        const p = pending.get(m.id);
        if (!p) return;
        pending.delete(m.id);
        if (m.error !== undefined) {
          const e = new Error(m.error.split('\n')[0].replace(/^\w*Error: /, ''));
          e.stack = m.error;
          p.reject(e);
        } else p.resolve(m);
      });
      w.on('error', failAll);
      w.on('exit', (code) => failAll(new Error(`audit export worker exited (code ${code})`)));
    });
  }

  get size(): number {
    return this.workers.length;
  }

  /** Starts up to `n` workers; undefined when none could start (then the caller formats in-thread). */
  static async start(n: number, format: ExportFormat, filter: RecordFilter, script: string): Promise<WorkerPool | undefined> {
    // Under ts-node and the like there is no plain JavaScript file to load.
    if (typeof script !== 'string' || !/\.c?js$/.test(script)) return undefined;
    const setup: WorkerSetup = { tag: WORKER_TAG, script, format, filter };
    const started = await Promise.all(
      Array.from({ length: n }, () => {
        let w: Worker;
        try {
          // stdout/stderr piped, not inherited: nothing a worker prints may land in an export written to process.stdout.
          w = new Worker(WORKER_BOOT, { eval: true, workerData: setup, stdout: true, stderr: true });
        } catch {
          return undefined;
        }
        return new Promise<Worker | undefined>((resolve) => {
          const done = (ok: boolean): void => {
            w.off('message', onMessage);
            w.off('error', onError);
            w.off('exit', onExit);
            if (!ok) void w.terminate();
            resolve(ok ? w : undefined);
          };
          const onMessage = (m: { ready?: boolean }): void => done(m?.ready === true);
          const onError = (): void => done(false);
          const onExit = (): void => done(false);
          w.on('message', onMessage);
          w.on('error', onError);
          w.on('exit', onExit);
        });
      }),
    );
    const workers = started.filter((w): w is Worker => w !== undefined);
    return workers.length ? new WorkerPool(workers) : undefined;
  }

  /** Formats one chunk on worker `id % size`; the chunk's ArrayBuffer is transferred (detached here). */
  run(id: number, bytes: Buffer): Promise<WorkerReply> {
    const i = id % this.workers.length;
    const own = bytes.byteOffset === 0 && bytes.buffer instanceof ArrayBuffer && bytes.buffer.byteLength >= bytes.byteLength;
    const buf = own ? (bytes.buffer as ArrayBuffer) : (new Uint8Array(bytes).buffer as ArrayBuffer);
    return new Promise((resolve, reject) => {
      this.pending[i].set(id, { resolve, reject });
      const job: WorkerJob = { id, buf, length: bytes.byteLength };
      this.workers[i].postMessage(job, [buf]);
    });
  }

  async close(): Promise<void> {
    for (const p of this.pending) p.clear();
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

/** The worker side: format each chunk it is sent and send the text back as bytes. */
function serveExportWorker(setup: WorkerSetup): void {
  const port = parentPort!;
  port.on('message', (job: WorkerJob) => {
    try {
      const r = formatChunk(new Uint8Array(job.buf, 0, job.length), setup.format, setup.filter);
      const reply: WorkerReply = { id: job.id, out: r.out, events: r.events, omitted: r.omitted, skipped: r.skipped };
      // formatChunk's buffer owns its memory (never Node's shared pool), so it can move rather than be copied.
      port.postMessage(reply, [r.out.buffer as ArrayBuffer]);
    } catch (e) {
      port.postMessage({ id: job.id, out: new Uint8Array(0), events: 0, omitted: 0, skipped: 0, error: (e as Error)?.stack ?? String(e) });
    }
  });
}

if (!isMainThread && (workerData as Partial<WorkerSetup> | null)?.tag === WORKER_TAG) serveExportWorker(workerData as WorkerSetup);
