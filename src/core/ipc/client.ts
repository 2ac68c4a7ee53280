import * as net from 'net';
import type { BrokerRequest, BrokerResponse } from './protocol';

/** Asks the broker over its Unix socket; any failure or timeout answers deny with how to fix it. */
export function askBroker(socketPath: string | undefined, request: BrokerRequest, timeoutMs = 120_000): Promise<BrokerResponse> {
  return new Promise((resolve) => {
    if (!socketPath) {
      resolve(unreachable('AGENTPOLICY_SOCKET is not set'));
      return;
    }
    let done = false;
    let buf = '';
    const finish = (r: BrokerResponse) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const sock = net.createConnection(socketPath);
    const timer = setTimeout(() => finish(unreachable(`no answer within ${Math.round(timeoutMs / 1000)} s`)), timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(JSON.stringify(request) + '\n'));
    sock.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      try {
        const r = JSON.parse(buf.slice(0, nl)) as BrokerResponse;
        finish(r.decision === 'allow' || r.decision === 'deny' ? r : unreachable('malformed answer'));
      } catch {
        finish(unreachable('malformed answer'));
      }
    });
    sock.on('error', (e) => finish(unreachable(e.message)));
    sock.on('close', () => finish(unreachable('connection closed without an answer')));
  });
}

export function unreachable(why: string): BrokerResponse {
  return {
    decision: 'deny',
    message: `agentpolicy: deny: the guard is unreachable (${why}). Start it with \`agentpolicy serve\` or run the agent through \`agentpolicy run\`, or reopen the VS Code terminal.`,
  };
}
