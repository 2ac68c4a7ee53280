/**
 * Child process for the checkpoint crash test: writes allow decisions only, with the log's
 * default checkpoint settings, and prints "seq" for every acknowledged record.
 * argv: DIR steady | burst N (write N, then idle until killed).
 */
import { AuditLog } from '../../../src/core/audit/auditLog';
import { commandAllow } from '../../unit/audit/sampleEvents';

async function main(): Promise<void> {
  const [dir, mode, n] = process.argv.slice(2);
  const log = await AuditLog.open(dir);
  process.stdout.write('open\n');
  if (mode === 'burst') {
    for (let i = 0; i < Number(n); i++) process.stdout.write(`${(await log.append(commandAllow(i))).seq}\n`);
    setInterval(() => undefined, 1 << 30); // idle, the log open, until SIGKILL
    return;
  }
  for (let i = 0; ; i++) {
    const acks = await Promise.all(Array.from({ length: 1 + (i % 5) }, (_, j) => log.append(commandAllow(i * 10 + j))));
    process.stdout.write(acks.map((a) => `${a.seq}\n`).join(''));
  }
}

main().catch((e) => {
  process.stderr.write(`allow writer: ${(e as Error).message}\n`);
  process.exit(1);
});
