import * as fs from 'fs';
import * as tty from 'tty';
import type { ApprovalAnswer, ApprovalRequest, Approver } from '../core/broker/broker';
import { describeAction } from '../core/actions/types';
import { publicAction } from '../core/pdp/message';
import { displayText, hasHiddenCharacters } from '../core/text/display';

/**
 * Whether the kernel refuses TIOCSTI (pushing bytes into a terminal's input) to unprivileged
 * processes: Linux ≥ 6.2 with `dev.tty.legacy_tiocsti = 0`. Otherwise any process whose
 * controlling terminal this is can type an answer into a prompt shown on it.
 */
export function tiocstiRefused(file = '/proc/sys/dev/tty/legacy_tiocsti'): boolean {
  try {
    return fs.readFileSync(file, 'utf8').trim() === '0';
  } catch {
    return false;
  }
}

/**
 * Asks on this process's terminal. Offer it only where the agent cannot type into that
 * terminal: `agentpolicy serve`'s own terminal (agents run elsewhere), or `run` when the agent
 * has another session (the sandbox) or the kernel refuses TIOCSTI. One prompt at a time; no
 * answer in time is a deny (the broker's timeout). What the agent asked for is shown with every
 * control, escape and invisible character made visible.
 */
export class TtyApprover implements Approver {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(private readonly device = '/dev/tty') {}

  ask(req: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    const next = this.queue.then(() => (signal.aborted ? ('deny' as const) : this.prompt(req, signal)));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private prompt(req: ApprovalRequest, signal: AbortSignal): Promise<ApprovalAnswer> {
    return new Promise((resolve) => {
      let fd: number;
      try {
        fd = fs.openSync(this.device, 'r+');
      } catch {
        resolve('deny');
        return;
      }
      const input = new tty.ReadStream(fd);
      const out = (s: string) => fs.writeSync(fd, s);
      const d = req.decision;
      const asks = d.verdicts.filter((v) => v.effect === 'ask');
      const who = `${displayText(req.subject.id, 60)} (${req.subject.kind}, ${req.subject.method}; via ${req.source})`;
      out(`\n\x1b[1mAgent Policy\x1b[0m: ${who} wants to run:\n  ${displayText(req.what, 2000)}\n`);
      if (hasHiddenCharacters(req.what)) out('  (the line holds control or look-alike characters, shown as escapes)\n');
      for (const v of asks.slice(0, 5)) out(`  - ${displayText(describeAction(publicAction(v.action)), 300)}: ${displayText(v.reason, 300)}${v.ruleIds.length ? ` [${v.ruleIds.join(', ')}]` : ''}\n`);
      out(`  [y] allow once${req.allowSession ? '   [s] allow for this session' : ''}   [N] deny > `);
      let line = '';
      const done = (a: ApprovalAnswer, note?: string) => {
        input.removeAllListeners('data');
        signal.removeEventListener('abort', onAbort);
        if (note) out(note);
        input.destroy();
        resolve(a);
      };
      const onAbort = () => done('deny', '\n  (no answer in time: denied)\n');
      signal.addEventListener('abort', onAbort);
      input.setEncoding('utf8');
      input.on('data', (chunk: string) => {
        line += chunk;
        const nl = line.indexOf('\n');
        if (nl < 0) return;
        const a = line.slice(0, nl).trim().toLowerCase();
        done(a === 'y' || a === 'yes' ? 'allow-once' : (a === 's' || a === 'session') && req.allowSession ? 'allow-session' : 'deny');
      });
    });
  }
}
