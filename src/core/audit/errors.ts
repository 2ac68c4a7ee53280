/**
 * Why the audit log cannot be opened or written, as a typed value. The message is one
 * line a person can act on: what failed, at which path, and what to do. Hosts print
 * `e.message` (never the stack) and deny every request while the log is unavailable.
 */

/**
 * - `locked`: another writer holds the log (or every stream of a root);
 * - `no-space`: the disk (or quota) is full;
 * - `key`: the checkpoint signing key cannot be read or is not a key;
 * - `permission`: a folder or file of the log cannot be created or written by this user;
 * - `corrupt`: the log's last record is not an audit record (the log was edited or damaged);
 * - `io`: any other file system failure;
 * - `invalid`: an event handed to `append` is malformed (a bug in the caller; nothing was written);
 * - `closed`: `append` after `close`.
 */
export type AuditLogErrorCode = 'locked' | 'no-space' | 'key' | 'permission' | 'corrupt' | 'io' | 'invalid' | 'closed';

export class AuditLogError extends Error {
  constructor(
    readonly code: AuditLogErrorCode,
    message: string,
    /** The file or folder concerned. */
    readonly path?: string,
    /** The underlying error (errno), for logs; never part of what a person is shown. */
    override readonly cause?: unknown,
  ) {
    super(message.replace(/\r\n|\r|\n/g, ' '));
    this.name = 'AuditLogError';
  }

  /** The errno code of the underlying error, if any (ENOSPC, EACCES, ...). */
  get errno(): string | undefined {
    return errnoOf(this.cause);
  }
}

export function errnoOf(e: unknown): string | undefined {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

const NO_SPACE = new Set(['ENOSPC', 'EDQUOT']);
const PERMISSION = new Set(['EACCES', 'EPERM', 'EROFS']);

/** The code for a file system error. */
export function codeOf(e: unknown): AuditLogErrorCode {
  if (e instanceof AuditLogError) return e.code;
  const errno = errnoOf(e);
  if (errno && NO_SPACE.has(errno)) return 'no-space';
  if (errno && PERMISSION.has(errno)) return 'permission';
  return 'io';
}

function user(): string {
  try {
    return require('os').userInfo().username as string;
  } catch {
    return `uid ${process.getuid?.() ?? '?'}`;
  }
}

/**
 * Wraps a file system error at `file` of the log in `dir` into one actionable line:
 * `audit log DIR cannot be opened|written: why (ERRNO) at FILE; what to do`.
 * An AuditLogError passes through unchanged.
 */
export function fsError(e: unknown, what: 'cannot be opened' | 'cannot be written', file: string, dir: string): AuditLogError {
  if (e instanceof AuditLogError) return e;
  const code = codeOf(e);
  const errno = errnoOf(e);
  const tag = errno ? ` (${errno})` : '';
  switch (code) {
    case 'no-space':
      return new AuditLogError(code, `audit log ${dir} ${what}: the disk is full${tag} at ${file}; free space on that file system or give the host another audit folder`, file, e);
    case 'permission':
      return new AuditLogError(code, `audit log ${dir} ${what}: permission denied${tag} at ${file}; the folder must be yours and writable (chown ${user()}, chmod 700) or give the host another audit folder`, file, e);
    default: {
      // Node's "ENOTDIR: not a directory, mkdir '/x'": the words, the errno as a tag, the path once.
      const detail = ((e as Error | undefined)?.message ?? String(e))
        .split('\n')[0]
        .replace(/^[A-Z][A-Z0-9_]+: /, '')
        .replace(/, \w+ '[^']*'( -> '[^']*')?$/, '');
      return new AuditLogError('io', `audit log ${dir} ${what}: ${detail}${tag} at ${file}; check the disk and the folder`, file, e);
    }
  }
}
