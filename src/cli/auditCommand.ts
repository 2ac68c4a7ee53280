/**
 * `agentpolicy audit verify|export|ship`: the CLI face of src/core/audit.
 * Each takes a log folder (a host's --audit-dir), an audit root of streams, or nothing (the
 * per-user default root).
 * Exit codes: verify 0 ok, 1 tampered or empty, 2 torn tail; other commands 0 ok, 1 failed; a usage mistake 2 (as every command).
 */
import * as fs from 'fs';
import type { JWK } from 'jose';
import { EXPORT_FORMATS, exportLog } from '../core/audit/export/index';
import type { ExportFormat } from '../core/audit/export/index';
import { shipTarget } from '../core/audit/ship/shipper';
import { transportFor } from '../core/audit/ship/destination';
import type { Transport } from '../core/audit/ship/transports';
import { defaultAuditRoot, resolveAuditTarget } from '../core/audit/target';
import { formatTargetReport, verifyExitCode, verifyTarget } from '../core/audit/verify';
import { parseArgs, UsageError, USAGE_EXIT, type ArgSpec, type ParsedArgs } from './args';

export interface AuditIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

const USAGE = `Usage: agentpolicy audit <command> [options] [DIR]

Commands:
  verify [DIR|FILE]           check sequence, hash links, checkpoint signatures (every stream of a root)
      --anchor JWS|@FILE      a checkpoint shipped to the SIEM (repeatable; detects truncation)
      --key FILE              trust only this public JWK (repeatable; default: each log's checkpoint-key.pub.jwk)
      --json                  print the report as JSON
      exit 0 ok, 1 tampered or empty, 2 torn tail (a crash mid-write; reopening the log sets it aside)
  export --format ${EXPORT_FORMATS.join('|')} [DIR]
      --since T               ISO time, epoch ms, or a duration ago (30m, 12h, 7d)
      --session S             only events of this session
      --out FILE              write there (0600) instead of stdout
  ship [DIR]                  send records after the cursor; prints the backlog
      --syslog tcp://H:P | tls://H:P   RFC 5424, octet counting (RFC 6587), TLS per RFC 5425
      --ca FILE               CA certificate for TLS / HTTPS
      --hec URL --token T     Splunk HTTP Event Collector
      --otlp URL [--header K=V]  OTLP/HTTP JSON logs (/v1/logs)
      --cursor FILE           cursor file (default ship-<destination>.cursor.json in each log;
                              for a root, FILE gets .stream-N before its extension)
      --batch N               records per request (default 500)
      --max-attempts N        retries per batch on 429/5xx/connection errors (default 8)

DIR is a log folder (a host's --audit-dir) or an audit root holding one stream per writer
(stream-1/, stream-2/, ...). It defaults to the per-user root the hosts write when given no
--audit-dir: $XDG_STATE_HOME/agentpolicy/audit (~/.local/state/agentpolicy/audit).
`;


type Parsed = ParsedArgs;

/** Each subcommand's options; anything else is a usage error. */
const SPECS: Record<string, ArgSpec> = {
  verify: { multiple: ['--anchor', '--key'], booleans: ['--json'] },
  export: { values: ['--format', '--since', '--session', '--out'] },
  ship: { values: ['--syslog', '--ca', '--hec', '--token', '--otlp', '--cursor', '--batch', '--max-attempts'], multiple: ['--header'] },
};

function one(p: Parsed, name: string): string | undefined {
  return p.values.get(name);
}

function targetOf(p: Parsed): string {
  const all = [...p.positionals, ...(p.rest ?? [])];
  if (all.length > 1) throw new UsageError(`one DIR or FILE, got ${all.join(' ')}`);
  return all[0] ?? defaultAuditRoot();
}

/** One line when the target does not exist; undefined when it does. */
function missing(p: Parsed, cmd: string, target: string): string | undefined {
  if (fs.existsSync(target)) return undefined;
  return [...p.positionals, ...(p.rest ?? [])].length
    ? `agentpolicy audit ${cmd}: ${target} does not exist; pass a host's audit folder (its --audit-dir) or the audit root.\n`
    : `agentpolicy audit ${cmd}: no audit log at ${target} (the default audit root): no host has written one for this user; pass a host's --audit-dir if it was given one.\n`;
}

/** Parses --since: ISO time, epoch ms, or a duration ago. */
export function parseSince(s: string, now = Date.now()): number {
  const d = /^(\d+)(s|m|h|d)$/.exec(s);
  if (d) return now - Number(d[1]) * { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 }[d[2] as 's' | 'm' | 'h' | 'd'];
  if (/^\d{10,}$/.test(s)) return Number(s);
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new UsageError(`--since ${s}: expected an ISO time, epoch ms, or a duration such as 30m, 12h, 7d`);
  return t;
}

/** Entry point the CLI dispatcher calls with the arguments after `audit`. */
export async function runAuditCommand(args: string[], io: AuditIo): Promise<number> {
  const [cmd, ...rest] = args;
  try {
    if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
      (cmd ? io.out : io.err).write(USAGE);
      return cmd ? 0 : USAGE_EXIT;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      io.out.write(USAGE);
      return 0;
    }
    const spec = SPECS[cmd];
    if (!spec) throw new UsageError(`unknown audit command "${cmd}"`);
    const p = parseArgs(rest, spec);
    switch (cmd) {
      case 'verify':
        return await verifyCmd(p, io);
      case 'export':
        return await exportCmd(p, io);
      case 'ship':
        return await shipCmd(p, io);
      default:
        throw new UsageError(`unknown audit command "${cmd}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err.write(`agentpolicy audit: ${e.message}\nRun \`agentpolicy audit --help\` for usage.\n`);
      return USAGE_EXIT;
    }
    io.err.write(`agentpolicy audit ${cmd}: ${(e as Error).message}\n`);
    return 1;
  }
}

async function verifyCmd(p: Parsed, io: AuditIo): Promise<number> {
  const target = targetOf(p);
  const none = missing(p, 'verify', target);
  if (none) {
    io.err.write(none);
    return 1;
  }
  const anchors: string[] = [];
  for (const a of p.lists.get('--anchor') ?? []) {
    if (a.startsWith('@')) {
      for (const line of fs.readFileSync(a.slice(1), 'utf8').split('\n')) {
        const t = line.trim();
        if (!t) continue;
        // Accept bare JWS lines or exported records carrying a jws field.
        const m = /([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/.exec(t);
        if (m) anchors.push(m[1]);
      }
    } else anchors.push(a);
  }
  const keyFiles = p.lists.get('--key') ?? [];
  const publicKeys = keyFiles.length ? keyFiles.map((f) => readKey(f)) : undefined;
  const report = await verifyTarget(target, { anchors, publicKeys });
  if (p.booleans.has('--json')) {
    // One log: the log's report as before; a root: every stream's.
    const json = report.kind === 'root' ? report : (({ name: _n, dir: _d, ...r }) => r)(report.logs[0]);
    io.out.write(JSON.stringify(json, null, 2) + '\n');
  } else io.out.write(formatTargetReport(report));
  if (report.status === 'empty') io.err.write(`agentpolicy audit verify: ${target} holds no audit records; an empty or emptied log is not a verified one.\n`);
  return verifyExitCode(report);
}

function readKey(file: string): JWK {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as JWK;
  } catch (e) {
    throw new Error(`--key ${file}: not a readable JSON public key (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

async function exportCmd(p: Parsed, io: AuditIo): Promise<number> {
  const format = one(p, '--format');
  if (!format) throw new UsageError(`--format is required (${EXPORT_FORMATS.join('|')})`);
  if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new UsageError(`--format ${format}: expected one of ${EXPORT_FORMATS.join(', ')}`);
  const since = one(p, '--since');
  const session = one(p, '--session');
  const target = targetOf(p);
  const none = missing(p, 'export', target);
  if (none) {
    io.err.write(none);
    return 1;
  }
  const t = resolveAuditTarget(target);
  const outFile = one(p, '--out');
  const out = outFile ? fs.createWriteStream(outFile, { mode: 0o600 }) : io.out;
  const result = await exportLog(target, format as ExportFormat, out as NodeJS.WritableStream & import('stream').Writable, {
    since: since !== undefined ? parseSince(since) : undefined,
    session,
  });
  if (outFile) {
    await new Promise<void>((resolve, reject) => {
      (out as fs.WriteStream).on('error', reject);
      (out as fs.WriteStream).end(() => resolve());
    });
  }
  const notes: string[] = [];
  if (result.omitted) notes.push(`${result.omitted} control record(s) have no ${format} class and were left out`);
  if (result.stats.skipped) notes.push(`${result.stats.skipped} line(s) were not audit records; run \`agentpolicy audit verify\``);
  if (result.stats.torn) notes.push('the log ends in a torn line (a crash mid-write); it was not exported');
  const from = t.kind === 'root' ? ` from ${t.logs.length} stream(s) of ${target}` : '';
  io.err.write(`exported ${result.events} event(s)${from} as ${format}${outFile ? ` to ${outFile}` : ''}${notes.length ? '\n' + notes.map((n) => `note: ${n}`).join('\n') : ''}\n`);
  return 0;
}

function transportOf(p: Parsed): Transport {
  const caFile = one(p, '--ca');
  const headers: Record<string, string> = {};
  for (const h of p.lists.get('--header') ?? []) {
    const i = h.indexOf('=');
    if (i <= 0) throw new UsageError(`--header ${h}: expected NAME=VALUE`);
    headers[h.slice(0, i)] = h.slice(i + 1);
  }
  const hec = one(p, '--hec');
  const token = one(p, '--token') ?? process.env.AGENTPOLICY_HEC_TOKEN;
  if (hec && !token) throw new UsageError('--hec needs --token (or AGENTPOLICY_HEC_TOKEN)');
  try {
    return transportFor({ syslog: one(p, '--syslog'), hec, token, otlp: one(p, '--otlp'), headers, ca: caFile ? fs.readFileSync(caFile) : undefined });
  } catch (e) {
    throw new UsageError((e as Error).message.replace(/^give exactly one destination: syslog, HEC or OTLP$/, 'give exactly one destination: --syslog, --hec or --otlp').replace(/^syslog /, '--syslog '));
  }
}

async function shipCmd(p: Parsed, io: AuditIo): Promise<number> {
  const target = targetOf(p);
  const none = missing(p, 'ship', target);
  if (none) {
    io.err.write(none);
    return 1;
  }
  if (!fs.statSync(target).isDirectory()) {
    io.err.write(`agentpolicy audit ship: ${target} is not a folder; pass a host's audit folder (its --audit-dir) or the audit root.\n`);
    return 1;
  }
  const transport = transportOf(p);
  const batch = one(p, '--batch');
  const attempts = one(p, '--max-attempts');
  try {
    const r = await shipTarget({
      target,
      transport,
      cursorFile: one(p, '--cursor'),
      batchSize: batch ? Number(batch) : undefined,
      maxAttempts: attempts ? Number(attempts) : undefined,
      onRetry: (n, ms, e) => io.err.write(`retry ${n} in ${ms} ms: ${e.message}\n`),
    });
    const root = resolveAuditTarget(target).kind === 'root';
    if (root) {
      for (const s of r.streams) io.out.write(`${s.name}: shipped ${s.sent} record(s); cursor at seq ${s.cursorSeq}; backlog ${s.backlog}${s.error ? ` (${s.error})` : ''}\n`);
      io.out.write(`shipped ${r.sent} record(s) from ${r.streams.length} stream(s) to ${transport.id}; backlog ${r.backlog}\n`);
    } else {
      const s = r.streams[0];
      io.out.write(`shipped ${s.sent} record(s) to ${transport.id}; cursor at seq ${s.cursorSeq}; backlog ${s.backlog}\n`);
    }
    if (r.error) {
      io.err.write(`agentpolicy audit ship: stopped: ${r.error}\n${r.backlog} record(s) wait in ${target}; they will be sent on the next run.\n`);
      return 1;
    }
    return 0;
  } finally {
    await transport.close();
  }
}
