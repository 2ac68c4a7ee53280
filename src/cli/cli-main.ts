import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AuditLogError } from '../core/audit/errors';
import { policyJsonSchema } from '../core/policy/schema';
import { builtinLayersJson, POLICY_FILE } from '../core/policy/resolve';
import { TEMPLATES, type TemplateName } from '../core/policy/templates';
import { parseArgs, UsageError, USAGE_EXIT } from './args';
import { checkStdin, commandRequest, decisionJson, decisionLine, EXIT, explain, runDecision } from './check';
import { runAuditCommand } from './auditCommand';
import { hookCommand } from './hook';
import { installHooksCommand, INSTALL_HOOKS_HELP } from './installHooks';
import { lint } from './lint';
import { runGuarded, shimRoot } from './run';
import { approverFor, startCliHost, stderrLogger } from './serve';
import { controlHosts } from './control';
import { runDaemon } from './daemon';
import { agentsCommand } from './agents';
import { policyContext, POLICY_FLAGS } from './policyContext';

const HELP: Record<string, string> = {
  main: `agentpolicy — a zero-trust guard between AI coding agents and your machine

Usage: agentpolicy <command> [options]

Commands:
  check     decide a command line: exit 0 allow, 3 ask, 4 deny, 2 usage or policy error
  explain   show how a command line is judged: commands, actions, rules, layers
  lint      validate a policy file and run its self-tests
  init      write .agentpolicy.yaml from a template
  audit     verify, export and ship the tamper-evident audit log
  serve     run the guard (broker) for terminal-only use
  run       start a program (an agent CLI, a shell) with the guard in its environment
  revoke    revoke every agent credential now (kill switch); rearm undoes it with your approval
  status    the state of every running guard of this user
  shell-init  print the bash or zsh init that installs the guard's trap
  agents    access review: the agents registry and what each did (allow/ask/deny, last activity)
  daemon    the per-user guard agents' hooks reach when nothing else runs (started on demand)
  hook      answer an agent's pre-tool hook (claude-code, copilot, cursor, gemini, codex, cline)
  install-hooks  connect agents: install, check or remove the guard's hook in their config
  schema    print the JSON Schema of .agentpolicy.yaml

Run \`agentpolicy <command> --help\` for a command's options.
`,
  check: `Usage: agentpolicy check [--policy FILE] [--workspace DIR] [--cwd DIR] [--home DIR]
                         [--agent ID] [--org-policy FILE] [--trust-repo] [--json] -- '<command line>'
       agentpolicy check --stdin --json [options]

Decides one command line (or, with --stdin, one JSON request a line:
{"cmd": "..."} or {"action": "file.write", "path": "..."}).
Exit status: 0 allow, 3 ask, 4 deny, 2 usage or policy error.
Without --policy the repo's .agentpolicy.yaml is found from --cwd upward, layered over
~/.config/agentpolicy/policy.yaml (or the built-in recommended policy). Repo allow rules
count only with --trust-repo. --policy FILE uses FILE alone over the built-in baseline.
`,
  explain: `Usage: agentpolicy explain [same options as check] -- '<command line>'

Shows the commands found, the typed actions, each rule considered, the layer, and the decision.
`,
  lint: `Usage: agentpolicy lint [FILE] [--cwd DIR] [--home DIR] [--workspace DIR] [--trust-repo]

Validates FILE (default: the repo's .agentpolicy.yaml) and runs its tests: section.
Exit 0 only when the schema and every self-test pass.
`,
  init: `Usage: agentpolicy init [--template recommended|strict|permissive] [--force]

Writes .agentpolicy.yaml in the current directory; refuses to overwrite without --force.
`,
  serve: `Usage: agentpolicy serve [--policy F] [--workspace D] [--approver tty|deny|allow] [--audit-dir D] [--trust-repo]

Runs the guard in the foreground: approvals are asked on this terminal. Prints the
environment a terminal needs (eval it, then source \`agentpolicy shell-init bash\`).
`,
  run: `Usage: agentpolicy run [--policy F] [--workspace D] [--approver tty|deny|allow] [--audit-dir D] [--agent ID] [--no-sandbox] -- <command…>

Starts the program with the guard in its environment (PATH shims, bash/zsh traps, git
pre-push hook, a short-lived credential). Uses the broker in AGENTPOLICY_SOCKET when one
answers, else starts its own for the program's lifetime. Exit status is the program's.
On Linux the program runs in a sandbox made from the policy (bubblewrap): protected paths
read-only, secrets hidden, no direct network, pushes only through the guard. --no-sandbox
starts it without one, for this run (audited); see docs/sandbox.md.
`,
  revoke: `Usage: agentpolicy revoke --all [--socket S]

Kill switch: in every running guard of this user (or the one at S), every agent credential
becomes invalid at once and agents' requests are denied until the person re-arms
(\`agentpolicy rearm\`, which asks for approval). Uses the owner credential each guard keeps
in the per-user registry; an agent's own credential cannot do it.
`,
  status: `Usage: agentpolicy status [--socket S]

The state (armed, degraded and why, killed) and pending approvals of every running guard.
`,
  rearm: `Usage: agentpolicy rearm [--socket S]

Re-enables agents after \`agentpolicy revoke --all\`; each guard asks the person first.
`,
  agents: `Usage: agentpolicy agents [--json] [--audit-dir D] [--cwd D] [--home D] [--policy F]

The access review: every registered agent (id, owner, purpose, risk tier, expiry, how it is
recognised) with its last activity and allow/ask/deny counts from the audit log (default: the
per-user log), agents that acted without being registered, and registrations expired or
expiring within 30 days. --json for scripts.
`,
  daemon: `Usage: agentpolicy daemon [--idle-minutes N]

The per-user guard that agents' hooks reach when no VS Code window or \`agentpolicy serve\`
runs for their folder. The first such hook call starts it (set AGENTPOLICY_NO_DAEMON=1 to
decide every call in its own process instead); it resolves the policy per folder, asks nobody
(asks go back to agents that can ask you, else are denied with how to get approval), writes
the per-user audit log, and exits after N idle minutes (default 30).
`,
  hook: `Usage: agentpolicy hook <agent> [--home D] [--policy F] [--org-policy F] [--audit-dir D] [--trust-repo]

Answers one pre-tool hook call of <agent> (claude-code or claude, copilot, cursor, gemini,
codex, cline): reads the agent's hook payload on stdin and answers allow, ask or deny in that
agent's exact format (stdout, stderr, exit code). Shell tools are analysed with the bash
grammar; file, web and MCP tools become typed actions; tools it cannot judge ask. Where the
agent cannot ask (Codex, Cline, bypass modes) an ask is denied with how to get approval.
Every decision is appended to the audit log ($XDG_STATE_HOME/agentpolicy/audit by default).
Agents run it through the launcher install-hooks writes, which asks a running broker first.
`,
  'install-hooks': INSTALL_HOOKS_HELP,
  'shell-init': `Usage: agentpolicy shell-init bash|zsh

Prints the shell code that installs the guard (for wiring it by hand).
`,
  schema: `Usage: agentpolicy schema

Prints the JSON Schema for .agentpolicy.yaml (editors use it to complete and validate).
`,
};

interface IO {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream;
}

export async function main(argv: string[], io: IO): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.out.write(HELP.main);
    return cmd ? 0 : 2;
  }
  if (rest.includes('--help') && !rest.slice(0, rest.indexOf('--help')).includes('--')) {
    const h = HELP[cmd];
    if (h) {
      io.out.write(h);
      return 0;
    }
  }
  try {
    switch (cmd) {
      case 'check':
      case 'explain': {
        const args = parseArgs(rest, { values: POLICY_FLAGS, booleans: ['--trust-repo', '--json', '--stdin'] });
        const stdin = args.booleans.has('--stdin');
        if (cmd === 'explain' && stdin) throw new UsageError('explain takes one command line, not --stdin');
        const line = args.rest !== undefined ? args.rest.join(' ') : args.positionals.join(' ');
        if (!stdin && (args.rest === undefined && args.positionals.length === 0)) throw new UsageError(`give the command line after --: agentpolicy ${cmd} -- 'git push'`);
        const ctx = await policyContext(args, io.err);
        if (!ctx) return 2;
        if (stdin) return await checkStdin(ctx, io.stdin, io.out);
        const req = commandRequest(ctx, line);
        if (cmd === 'explain') {
          const { text, decision } = explain(ctx, req);
          io.out.write(text);
          return EXIT[decision.effect];
        }
        const d = runDecision(ctx, req);
        if (args.booleans.has('--json')) io.out.write(JSON.stringify(decisionJson(d)) + '\n');
        else io.out.write(decisionLine(d, line, ctx.resolved.policy) + '\n');
        if (d.ignored.length && !args.booleans.has('--json')) for (const i of d.ignored) io.err.write(`note: ${i}\n`);
        return EXIT[d.effect];
      }
      case 'lint': {
        const args = parseArgs(rest, { values: ['--cwd', '--home', '--workspace'], booleans: ['--trust-repo'] });
        return await lint(
          { file: args.positionals[0], cwd: path.resolve(args.values.get('--cwd') ?? process.cwd()), home: path.resolve(args.values.get('--home') ?? os.homedir()), workspace: args.values.get('--workspace'), trustRepo: args.booleans.has('--trust-repo') },
          io.out,
          io.err,
        );
      }
      case 'init': {
        const args = parseArgs(rest, { values: ['--template'], booleans: ['--force'] });
        const name = (args.values.get('--template') ?? 'recommended') as TemplateName;
        if (!(name in TEMPLATES)) throw new UsageError(`unknown template "${name}": use recommended, strict or permissive`);
        const file = path.join(process.cwd(), POLICY_FILE);
        if (fs.existsSync(file) && !args.booleans.has('--force')) {
          io.err.write(`agentpolicy: ${file} already exists; nothing written. Use --force to replace it.\n`);
          return 1;
        }
        fs.writeFileSync(file, TEMPLATES[name]);
        io.out.write(`Wrote ${file} (${name} template). Check it with \`agentpolicy lint\`.\n`);
        return 0;
      }
      case 'serve': {
        const args = parseArgs(rest, { values: [...POLICY_FLAGS, '--approver', '--audit-dir'], booleans: ['--trust-repo'] });
        const ctx = await policyContext(args, io.err);
        if (!ctx) return 2;
        const choice = approverFor(args.values.get('--approver'), 'serve');
        const host = await startCliHost(ctx, { approver: choice.approver, auditDir: args.values.get('--audit-dir'), logger: stderrLogger, register: true });
        for (const p of host.degradedBecause) io.err.write(`agentpolicy: ${p}\n`);
        const { token } = await host.issueSession({ id: ctx.agent ?? 'terminal', kind: ctx.agent ? 'agent' : 'unknown', method: 'terminal' });
        io.out.write(`export AGENTPOLICY_SOCKET=${host.address!.socketPath} AGENTPOLICY_PORT=${host.address!.port} AGENTPOLICY_TOKEN=${token} AGENTPOLICY_PROOF=${host.proof}\n`);
        io.err.write(`agentpolicy: guarding ${ctx.resolved.policy.workspace}; socket ${host.address!.socketPath}, port ${host.address!.port}. Ctrl-C stops (guarded commands are then denied).\n`);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await host.close();
        return 0;
      }
      case 'run': {
        const args = parseArgs(rest, { values: [...POLICY_FLAGS, '--approver', '--audit-dir'], booleans: ['--trust-repo', '--no-sandbox'] });
        return await runGuarded(args, io);
      }
      case 'revoke':
      case 'rearm':
      case 'status': {
        const args = parseArgs(rest, { values: ['--socket'], booleans: ['--all'] });
        if (cmd === 'revoke' && !args.booleans.has('--all')) throw new UsageError('revoke needs --all');
        return await controlHosts(cmd === 'revoke' ? 'revoke-all' : cmd, io, args.values.get('--socket'));
      }
      case 'shell-init': {
        const args = parseArgs(rest, {});
        const shell = args.positionals[0];
        if (shell === 'bash') io.out.write(`export AGENTPOLICY_SHIM_DIR=${shimRoot()}/bin\nexport PATH="$AGENTPOLICY_SHIM_DIR:$PATH"\n. ${shimRoot()}/bash/init.bash\n`);
        else if (shell === 'zsh') io.out.write(`export AGENTPOLICY_SHIM_DIR=${shimRoot()}/bin\nexport PATH="$AGENTPOLICY_SHIM_DIR:$PATH"\nsource ${shimRoot()}/zsh/.zshenv\n`);
        else throw new UsageError('shell-init takes bash or zsh');
        return 0;
      }
      case 'agents': {
        const args = parseArgs(rest, { values: [...POLICY_FLAGS, '--audit-dir'], booleans: ['--trust-repo', '--json'] });
        return await agentsCommand(args, io);
      }
      case 'daemon': {
        const args = parseArgs(rest, { values: ['--idle-minutes'] });
        return await runDaemon(args, io);
      }
      case 'hook': {
        const args = parseArgs(rest, { values: ['--home', '--policy', '--org-policy', '--audit-dir'], booleans: ['--trust-repo'] });
        if (args.positionals.length !== 1) throw new UsageError('give the agent: agentpolicy hook claude-code (or copilot, cursor, gemini, codex, cline)');
        return await hookCommand({ agent: args.positionals[0], home: args.values.get('--home'), policyFile: args.values.get('--policy'), orgPolicyFile: args.values.get('--org-policy'), auditDir: args.values.get('--audit-dir'), trustRepo: args.booleans.has('--trust-repo') }, io);
      }
      case 'install-hooks':
        return await installHooksCommand(rest, io);
      case 'audit':
        return await runAuditCommand(rest, io);
      case 'builtin-layers':
        // For the build (esbuild.js): the built-in layers, validated, as JSON.
        parseArgs(rest, {});
        io.out.write(builtinLayersJson() + '\n');
        return 0;
      case 'schema':
        parseArgs(rest, {});
        io.out.write(JSON.stringify(policyJsonSchema(), null, 2) + '\n');
        return 0;
      default:
        throw new UsageError(`unknown command "${cmd}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.err.write(`agentpolicy: ${e.message}\n${HELP[cmd] ?? HELP.main}`);
      return USAGE_EXIT;
    }
    // Anything unexpected is an error, never an allow.
    // One line for a person (what and where); the stack only when asked for.
    if (e instanceof AuditLogError) io.err.write(`agentpolicy: ${e.message}\n`);
    else io.err.write(`agentpolicy: internal error: ${(e as Error).message?.split('\n')[0] ?? e}${process.env.AGENTPOLICY_DEBUG ? `\n${(e as Error).stack}` : ' (set AGENTPOLICY_DEBUG=1 for details)'}\n`);
    return 2;
  }
}

if (require.main === module) {
  // The shell grammar stays on V8's baseline wasm tier: the optimising tier compiles its lexer in
  // the background for ~0.4 s of a core, which holds every exit that long (`run -- /bin/true`:
  // 0.62 s against 0.21 s) and buys no measurable speed where it would matter, a long-lived
  // `run` or `serve` (trap round trip p50 1.12 ms on it, 1.06 ms without). Set before any wasm is compiled.
  (require('v8') as typeof import('v8')).setFlagsFromString('--liftoff-only');
  main(process.argv.slice(2), { out: process.stdout, err: process.stderr, stdin: process.stdin }).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`agentpolicy: internal error: ${e}\n`);
      process.exitCode = 2;
    },
  );
}
