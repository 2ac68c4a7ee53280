/**
 * Gemini CLI 0.61 runs each shell tool command as (see `wrapCommandForBackgroundPIDs` and
 * `ensurePromptvarsDisabled` in its bundle; captured in test/fixtures/agents/gemini/captured/shell/):
 *
 *   shopt -u promptvars nullglob extglob nocaseglob dotglob; _bgpids_file=<tmp>/gemini-shell-XXXXXX/bgpids.tmp
 *   (
 *     trap 'jobs -p > "$_bgpids_file"' EXIT
 *   <command>
 *   )
 *   __code=$?
 *   exit $__code
 *
 * `AP_COMMAND` marks where the command's statements go (one or more); `AP_HOLE_x` a value hole.
 */
export const GEMINI_PLUMBING = {
  agent: 'gemini',
  form: 'program' as const,
  template: "shopt -u promptvars nullglob extglob nocaseglob dotglob; _bgpids_file=AP_HOLE_pidfile\n(\n  trap 'jobs -p > \"$_bgpids_file\"' EXIT\nAP_COMMAND\n)\n__code=$?\nexit $__code",
  holes: {
    pidfile: /^\/[\w./-]*\/gemini-shell-[A-Za-z0-9]{6}\/bgpids\.tmp$/,
  },
};
