/**
 * Codex 0.171 runs a shell command through its shell snapshot (captured in
 * test/fixtures/agents/codex/captured/shell/): once per session it captures the person's shell
 * (`snapshotScript`) and checks it (`set -e; . <snapshot>`); each command then runs a generated
 * prelude that saves and restores its own environment variables (`__CODEX_SNAPSHOT_*`), puts its
 * own `codex-path` folder first on PATH, and ends with `exec '/bin/bash' -c '<command>'`.
 * The prelude is long and generated, so it is recognised by the forms its statements may take
 * (see `codexHousekeeping` in core/shell/plumbing.ts), not as one text.
 */
export const CODEX_PLUMBING = {
  agent: 'codex',
  form: 'prelude' as const,
  /** Lines Codex runs for itself, with no command of the agent's in them. */
  whole: [
    'set -e; . AP_HOLE_snapshot',
    'if [ -z "${BASH_ENV-}" ] && [ -n "${HOME-}" ] && [ -r "$HOME/.bashrc" ]; then\n  . "$HOME/.bashrc"\nfi\necho \'# Snapshot file\'\necho \'# Unset all aliases to avoid conflicts with functions\'\necho \'unalias -a 2>/dev/null || true\'\nshopt -p || true\necho \'# Functions\'\ndeclare -f\necho \'\'\n\n__codex_snapshot_command() {\n  if command -v "$1" >/dev/null 2>&1; then\n    "$@"\n  else\n    command -p "$@"\n  fi\n}\nbash_opts=$(set -o | __codex_snapshot_command awk \'$2=="on"{print $1}\')\nbash_opt_count=$(printf \'%s\\n\' "$bash_opts" | __codex_snapshot_command sed \'/^$/d\' | __codex_snapshot_command wc -l | __codex_snapshot_command tr -d \' \')\necho "# setopts $bash_opt_count"\nif [ -n "$bash_opts" ]; then\n  printf \'set -o %s\\n\' $bash_opts\nfi\necho \'\'\nprintf \'\\0\'\nalias_count=$(\\alias -p | __codex_snapshot_command wc -l | __codex_snapshot_command tr -d \' \')\necho "# aliases $alias_count"\n\\alias -p\necho \'\'\n\nprintf \'\\0\'\n(\n  while IFS= read -r __codex_snapshot_export_name; do\n    case "$__codex_snapshot_export_name" in\n      ""|[0-9]*|*[!A-Za-z0-9_]*|PWD|OLDPWD) continue ;;\n    esac\n    printf \'%s\\0\' "$__codex_snapshot_export_name"\n    declare -xp "$__codex_snapshot_export_name" 2>/dev/null || true\n    printf \'\\0\'\n  done < <(compgen -e)\n)\n\nprintf \'\\0\'\n\n',
  ],
  /** The prelude's last statement: the command. */
  intent: ["exec '/bin/bash' -c AP_HOLE_cmd", 'exec /bin/bash -c AP_HOLE_cmd', "exec '/bin/zsh' -c AP_HOLE_cmd", "exec '/bin/sh' -c AP_HOLE_cmd", "exec '/usr/bin/bash' -c AP_HOLE_cmd"],
  /** Its own variables. */
  variables: /^__CODEX_SNAPSHOT_[A-Z0-9_]+$/,
  holes: {
    snapshot: /^\/[\w./-]*\/shell_snapshots\/[0-9a-f-]{36}(\.tmp-\d+)?(\.sh)?$/,
    pathdir: /^\/[\w./@-]*\/codex-path$/,
    cmd: 'code' as const,
  },
};
