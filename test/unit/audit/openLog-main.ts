/**
 * Child process for the audit error tests (run as another user, e.g. nobody): opens the log
 * (or a stream of a root) at argv[2], appends one event, closes, and prints one JSON line:
 * {"ok":true,"dir":…} or {"code":…,"message":…,"name":…}.
 */
import { AuditLog } from '../../../src/core/audit/auditLog';
import { openAuditStream } from '../../../src/core/audit/streams';
import { commandAllow } from './sampleEvents';

async function main(): Promise<void> {
  const [target, mode] = process.argv.slice(2);
  try {
    const log = mode === 'stream' ? await openAuditStream(target) : await AuditLog.open(target, { checkpointIntervalMs: 0 });
    await log.append(commandAllow());
    await log.close();
    process.stdout.write(JSON.stringify({ ok: true, dir: log.dir }) + '\n');
  } catch (e) {
    const err = e as Error & { code?: string };
    process.stdout.write(JSON.stringify({ code: err.code, message: err.message, name: err.name }) + '\n');
  }
}

void main();
