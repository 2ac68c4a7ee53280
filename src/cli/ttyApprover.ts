import * as fs from 'fs';
import * as tty from 'tty';
import type { ApprovalAnswer, ApprovalRequest, Approver } from '../core/broker/broker';
import { describeAction } from '../core/actions/types';
import { publicAction } from '../core/pdp/message';

/**
 * Asks on the terminal where `agentpolicy serve` runs (its controlling tty, never the
 * agent's). One prompt at a time; no answer in time is a deny (the broker's timeout).
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
      out(`\n\x1b[1mAgent Policy\x1b[0m: ${req.agent} (${req.source}) wants to run:\n  ${req.what}\n`);
      for (const v of asks.slice(0, 5)) out(`  - ${describeAction(publicAction(v.action))}: ${v.reason}${v.ruleIds.length ? ` [${v.ruleIds.join(', ')}]` : ''}\n`);
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
