/**
 * Processes: killing the guard's processes, whether named (`pkill -f agentpolicy`), found by a
 * lookup (`kill $(pgrep -f agentpolicy)`, a pid read from the guard's state) or included in
 * "every process" (`kill -9 -1`, `pkill -u $USER`), is tampering. Lookups mark their output so a
 * kill of it can tell. Service managers and schedulers are judged too.
 */
import { child, type ProgramModel } from './model';

/** What the guard's processes look like: their names, and their command lines (for `-f`). */
const GUARD_NAMES = ['agentpolicy', 'agent-policy'];
const GUARD_CMDLINES = [
  'node /usr/local/bin/agentpolicy serve',
  'node /usr/lib/node_modules/agent-policy/dist/cli.js serve --workspace /home/dev/project',
  'node /home/dev/.vscode/extensions/agentpolicy.agent-policy-0.1.0/dist/cli.js run -- claude',
  'agentpolicy run -- codex',
];

/**
 * Whether a process-matching pattern (an extended regular expression) can select one of the
 * guard's processes. A pattern too complex to test safely counts as one that can.
 */
export function patternHitsGuard(pattern: string, opts: { full: boolean; exact: boolean; ignoreCase: boolean; regex: boolean }): boolean {
  const samples = opts.full ? [...GUARD_CMDLINES, ...GUARD_NAMES] : GUARD_NAMES;
  if (!opts.regex) return samples.some((s) => (opts.ignoreCase ? s.toLowerCase() === pattern.toLowerCase() : s === pattern));
  if (pattern.length > 200 || /\\[1-9]|\([^)]*[*+}][^)]*\)[*+{?]/.test(pattern)) return true;
  let re: RegExp;
  try {
    re = new RegExp(opts.exact ? `^(?:${pattern})$` : pattern, opts.ignoreCase ? 'i' : '');
  } catch {
    return true;
  }
  return samples.some((s) => re.test(s));
}

const lookups = child({
  names: ['pgrep', 'pidof', 'pidstat', 'pstree'],
  summary: 'process lookups: their output is pids; a pattern that can select the guard marks the pids as the guard\'s',
  run(c) {
    c.out.passthrough = false;
    const p = c.options({ values: ['-u', '-U', '-g', '-G', '-P', '-s', '-t', '-d', '--delimiter', '-F', '--pidfile', '--signal', '-o', '-x', '--ns', '--nslist'] });
    const full = p.has('-f') || p.has('--full') || p.has('-a');
    const userWide = (p.has('-u') || p.has('-U')) && p.operands.length === 0;
    const regex = c.name === 'pgrep';
    const hits = p.operands.some((w) => !w.exact || patternHitsGuard(w.text, { full, exact: p.has('-x') || p.has('--exact'), ignoreCase: p.has('-i'), regex }));
    if (hits || userWide || (c.name === 'pstree' && p.operands.length === 0)) c.out.taints.add('guard-pid');
  },
  examples: [{ line: 'kill -9 $(pgrep -f agentpolicy)', actions: ['opaque guard-bypass'] }],
});

const ps = child({
  names: ['ps', 'top', 'htop', 'btop', 'lsof', 'fuser'],
  summary: 'process listings: every process, the guard\'s among them (a filter that cannot match the guard drops that)',
  run(c) {
    c.out.passthrough = false;
    c.out.taints.add('guard-pid');
  },
  examples: [{ line: "ps aux | grep agentpolicy | awk '{print $2}' | xargs kill", actions: ['opaque guard-bypass'] }],
});

const kill = child({
  names: ['kill', 'pkill', 'killall', 'skill', 'snice', 'killall5', 'xkill'],
  summary: 'sends signals: to the guard by name or pattern, to pids looked up as the guard\'s, or to every process (-1, -u USER) is tampering',
  run(c) {
    c.out.passthrough = false;
    const bypass = (why: string) => c.opaque('guard-bypass', `${c.name}: ${why}`);
    if (c.name === 'kill') {
      if (c.args.some((w) => w.taints.has('guard-pid'))) return bypass("kills processes looked up as the guard's");
      // `kill -9 -1`, `kill -- -1`: every process the user may signal.
      const pids = c.args.filter((w, i) => i > 0 || !/^-/.test(w.text) || w.text === '-1');
      if (c.args.length > 1 && pids.some((w) => w.text === '-1')) return bypass("kills every process (the guard's too)");
      return;
    }
    if (c.name === 'killall5') return bypass('kills every process (the guard\'s too)');
    const p = c.options({ values: ['-u', '-U', '--user', '-g', '-G', '-P', '-s', '--signal', '-t', '-n', '--ns', '--nslist', '-o', '-y', '--younger-than', '--older-than', '-c', '--context'], optionalValues: [] });
    const ops = p.operands;
    const patterns = ops.length ? ops : [];
    if ((p.has('-u') || p.has('-U') || p.has('--user')) && patterns.length === 0) return bypass('signals every process of a user (the guard\'s too)');
    const full = p.has('-f') || p.has('--full');
    const regex = c.name === 'pkill' || c.name === 'skill' || p.has('-r') || p.has('--regexp');
    for (const w of patterns) {
      if (!w.exact) return bypass('the process pattern is only known when the line runs');
      if (patternHitsGuard(w.text, { full, exact: p.has('-x') || p.has('--exact') || c.name === 'killall', ignoreCase: p.has('-i') || p.has('-I') || p.has('--ignore-case'), regex })) return bypass(`${w.text} selects the guard's processes`);
    }
  },
  examples: [
    { line: 'pkill -f agentpolicy', actions: ['opaque guard-bypass'] },
    { line: 'pkill node', absent: ['opaque guard-bypass'] },
    { line: "pkill -f 'node.*serve'", actions: ['opaque guard-bypass'] },
    { line: 'kill $(pidof agentpolicy)', actions: ['opaque guard-bypass'] },
    { line: 'kill $(cat ~/.config/agentpolicy/broker.pid)', actions: ['opaque guard-bypass'] },
    { line: 'kill -9 -1', actions: ['opaque guard-bypass'] },
    { line: 'kill 1234', absent: ['opaque guard-bypass'] },
    { line: 'pkill -u dev', actions: ['opaque guard-bypass'] },
    { line: 'killall vite', absent: ['opaque guard-bypass'] },
  ],
});

const services = child({
  names: ['systemctl', 'launchctl', 'service', 'supervisorctl', 'pm2'],
  summary: 'service managers: stopping or changing a unit named for the guard is tampering',
  run(c) {
    c.out.passthrough = false;
    const verb = c.args.find((w) => !w.text.startsWith('-'))?.text ?? '';
    if (!/^(stop|kill|disable|mask|unload|bootout|remove|restart|reload|delete|edit|revert|set-property|reset-failed|daemon-reload|start|enable)$/.test(verb)) return;
    if (c.args.some((w) => !w.exact || /agent-?policy/i.test(w.text))) c.opaque('guard-bypass', `${c.name} ${verb} touches the guard's service`);
  },
  examples: [{ line: 'systemctl --user stop agentpolicy.service', actions: ['opaque guard-bypass'] }],
});

const schedulers = child({
  names: ['crontab', 'at', 'batch', 'systemd-run-timer'],
  summary: 'schedulers: commands run later, outside any check',
  run(c) {
    c.out.passthrough = false;
    if (c.name === 'crontab' && c.args.length && c.args.every((w) => /^-(l|u)$/.test(w.text) || c.args[c.args.indexOf(w) - 1]?.text === '-u')) return;
    c.opaque('dynamic-code', `${c.name} schedules commands to run later`);
  },
  examples: [{ line: "echo 'rm -rf ~' | at now + 1 minute", actions: ['opaque dynamic-code'] }, { line: 'crontab -l', absent: ['opaque dynamic-code'] }],
});

export const PROCESSES: readonly ProgramModel[] = [lookups, ps, kill, services, schedulers];
