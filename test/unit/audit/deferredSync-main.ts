/**
 * Child for the deferred-sync test: opens a log with allowSyncWithinMs, appends one allowed
 * decision and, the moment append() resolves, kills itself with SIGKILL (no close, no flush).
 */
import { AuditLog } from '../../../src/core/audit/auditLog';
import { commandAllow } from './sampleEvents';

async function main(): Promise<void> {
  const log = await AuditLog.open(process.argv[2], { allowSyncWithinMs: 60_000, checkpointIntervalMs: 0 });
  const { seq } = await log.append(commandAllow());
  process.stdout.write(`${seq}\n`, () => process.kill(process.pid, 'SIGKILL'));
}

void main();
