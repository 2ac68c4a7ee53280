/**
 * Many writers, one folder: `openAuditStream(root)` gives this process the lowest-numbered
 * stream of the root whose lock is free. Each stream is an ordinary log (its own chain, key
 * and checkpoints), so a VS Code window, two `agentpolicy run`s and a hook's fallback can all
 * write the default root at once without sharing a chain.
 */
import * as fs from 'fs';
import { AuditLog } from './auditLog';
import type { AuditLogOptions } from './auditLog';
import { AuditLogError, fsError } from './errors';
import { LockHeldError } from './lockFile';
import { defaultAuditRoot, MAX_STREAMS, streamDir } from './target';

export { defaultAuditRoot, MAX_STREAMS };

export interface AuditStreamOptions extends AuditLogOptions {
  /** Streams to try (default 64). */
  maxStreams?: number;
}

/**
 * Opens the first stream of `root` (`stream-1`, `stream-2`, …) that no live writer holds.
 * A stream that is locked, or whose key or last record is damaged, is passed over (verify
 * reports it; `log.notes` says why it was passed over); a full disk or an unwritable folder
 * fails at once, as every stream would. Throws AuditLogError (`locked` when every stream is held).
 */
export async function openAuditStream(root: string = defaultAuditRoot(), opts: AuditStreamOptions = {}): Promise<AuditLog> {
  try {
    fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw fsError(e, 'cannot be opened', root, root);
  }
  const max = Math.max(1, Math.min(opts.maxStreams ?? MAX_STREAMS, MAX_STREAMS));
  const passed: string[] = [];
  let odd = 0;
  for (let n = 1; n <= max; n++) {
    const dir = streamDir(root, n);
    try {
      const log = await AuditLog.open(dir, opts);
      log.notes.push(...passed);
      return log;
    } catch (e) {
      if (e instanceof LockHeldError) {
        if (e.odd) {
          odd++;
          passed.push(e.message);
        }
        continue;
      }
      if (e instanceof AuditLogError && (e.code === 'corrupt' || e.code === 'key')) {
        passed.push(`stream-${n} passed over: ${e.message}`);
        continue;
      }
      throw e;
    }
  }
  throw new AuditLogError(
    'locked',
    `audit root ${root} cannot be opened: all ${max} streams are held by other writers${odd ? ` (${odd} by odd locks; \`agentpolicy audit verify ${root}\` lists them)` : ''}${passed.length - odd ? ` or damaged` : ''}; stop some agentpolicy processes, or remove locks no agentpolicy process holds`,
    root,
  );
}
