/** Child process for the crash test: appends forever and prints "seq hash" for every acknowledged record. */
import { AuditLog } from '../../../src/core/audit/auditLog';
import { commandAllow, commandDeny } from '../../unit/audit/sampleEvents';

async function main(): Promise<void> {
  const log = await AuditLog.open(process.argv[2], { checkpointIntervalMs: 0, checkpointEvery: 50, maxFileBytes: 256 * 1024 });
  process.stdout.write('open\n');
  for (let i = 0; ; i++) {
    // Several in flight at once, so group commit batches them.
    const batch = Array.from({ length: 1 + (i % 7) }, (_, j) => log.append(j === 3 ? commandDeny(i) : commandAllow(i)).then((a) => process.stdout.write(`${a.seq} ${a.hash}\n`)));
    await Promise.all(batch);
  }
}

main().catch((e) => {
  process.stderr.write(`crash writer: ${(e as Error).message}\n`);
  process.exit(1);
});
