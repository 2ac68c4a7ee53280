/**
 * Claude Code 2.1.x wraps every Bash tool command (see its `buildExecCommand`): housekeeping joined
 * with ` && `, then `eval '<command>' < /dev/null`, then `pwd -P >| <tmp>/claude-<id>-cwd`. Taken from
 * the CLI's own code and the captured lines in test/fixtures/agents/claude-code/captured/shell/.
 * `AP_HOLE_x` marks a hole whose value must match `holes.x`.
 */
export const CLAUDE_CODE_PLUMBING = {
  agent: 'claude-code',
  form: 'and-chain' as const,
  /** Elements that may come before the command, in this order, each at most once. */
  housekeeping: [
    // The session's shell snapshot (the person's functions, aliases and options).
    'source AP_HOLE_snapshot 2>/dev/null || true',
    "{ case \"${BASH_VERSINFO-}\" in '2'|'3') \\builtin printf '%s\\n' '__CLAUDE_CODE_DID_NOT_RUN_BASH_TOO_OLD='\"${BASH_VERSION-}\" >&2; \\builtin exit 126; \\exit 126;; esac; }",
    "{ case \"${BASH_VERSINFO-}\" in '2'|'3'|'4') \\builtin printf '%s\\n' '__CLAUDE_CODE_DID_NOT_RUN_BASH_TOO_OLD='\"${BASH_VERSION-}\" >&2; \\builtin exit 126; \\exit 126;; esac; }",
    '\\builtin shopt -u extglob 2>/dev/null || true',
    '\\builtin setopt NO_EXTENDED_GLOB NO_BARE_GLOB_QUAL NO_BRACE_CCL NO_MAGIC_EQUAL_SUBST NO_EQUALS 2>/dev/null || true',
    '\\builtin setopt NO_EXTENDED_GLOB NO_BARE_GLOB_QUAL NO_BRACE_CCL NO_MAGIC_EQUAL_SUBST NO_RC_QUOTES NO_EQUALS 2>/dev/null || true',
    '{ \\builtin shopt -u extglob || \\builtin setopt NO_EXTENDED_GLOB NO_BARE_GLOB_QUAL NO_BRACE_CCL NO_MAGIC_EQUAL_SUBST NO_EQUALS; } >/dev/null 2>&1 || true',
    '{ \\builtin shopt -u extglob || \\builtin setopt NO_EXTENDED_GLOB NO_BARE_GLOB_QUAL NO_BRACE_CCL NO_MAGIC_EQUAL_SUBST NO_RC_QUOTES NO_EQUALS; } >/dev/null 2>&1 || true',
    "{ \\builtin unalias -- 'which'; \\builtin unset -f -- 'which'; } >/dev/null 2>&1 || true",
    "{ \\builtin unalias -- 'unsetenv'; \\builtin unset -f -- 'unsetenv'; } >/dev/null 2>&1 || true",
  ],
  /** The command itself: the one element the guard judges. */
  intent: ['eval AP_HOLE_cmd < /dev/null', 'eval AP_HOLE_cmd', '{ eval AP_HOLE_cmd < /dev/null; }', '{ eval AP_HOLE_cmd; }'],
  /** Elements after the command, all required, in this order. */
  trailer: ['pwd -P >| AP_HOLE_cwdfile'],
  holes: {
    snapshot: /^\/[\w./-]*\/shell-snapshots\/snapshot-(bash|zsh|sh)-\d+-[a-z0-9]{4,8}(-[\w.-]+)?\.sh$/,
    cwdfile: /^\/[\w./-]*\/claude-[0-9a-f]{4,32}-cwd$/,
    cmd: 'code' as const,
  },
};
