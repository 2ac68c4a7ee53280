/**
 * Child process for the streams test: opens a stream of the root at argv[2], prints
 * "open <dir>", waits for "go" on stdin, appends argv[3] decisions (several in flight at once),
 * prints "done", then waits for "close" (or is killed).
 */
import * as readline from 'readline';
import { openAuditStream } from '../../../src/core/audit/streams';
import { commandAllow, commandDeny } from '../../unit/audit/sampleEvents';

async function main(): Promise<void> {
  const [root, count] = process.argv.slice(2);
  const log = await openAuditStream(root);
  process.stdout.write(`open ${log.dir}\n`);
  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (line === 'go') {
      const n = Number(count);
      for (let i = 0; i < n; i += 10) await Promise.all(Array.from({ length: Math.min(10, n - i) }, (_, j) => log.append((i + j) % 25 === 0 ? commandDeny(i + j) : commandAllow(i + j))));
      process.stdout.write('done\n');
    } else if (line === 'close') {
      await log.close();
      process.stdout.write('closed\n');
      process.exit(0);
    }
  }
}

main().catch((e) => {
  process.stderr.write(`stream writer: ${(e as Error).message}\n`);
  process.exit(1);
});
