import * as fs from 'fs';
import * as net from 'net';
import * as path from 'path';
import { ownUid } from './peer';
import type { BrokerRequest, BrokerResponse } from './protocol';

/** Why a client got no answer from the real broker: a typed value, never a message to match. */
export type BrokerFailure = 'unreachable' | 'not-ours' | 'timeout' | 'malformed';

export type ClientResponse = BrokerResponse & { failure?: BrokerFailure };

/**
 * Whether the socket is the real broker's: it sits in a directory only we can write (owned by
 * our uid, no group or other access), so no other user can have put it there. Returns the
 * problem, or undefined when it is ours.
 */
export function socketProblem(socketPath: string): string | undefined {
  const uid = ownUid();
  if (uid < 0) return undefined; // no uids on this platform
  try {
    const dir = fs.lstatSync(path.dirname(socketPath));
    if (!dir.isDirectory() || dir.uid !== uid || (dir.mode & 0o077) !== 0) return `${path.dirname(socketPath)} is not a private folder of this user`;
    const sock = fs.lstatSync(socketPath);
    if (!sock.isSocket() || sock.uid !== uid) return `${socketPath} is not this user’s socket`;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : (e as Error).message; // ENOENT: connect says unreachable
  }
  return undefined;
}

/** Asks the broker over its Unix socket; any failure or timeout answers deny with how to fix it. */
export function askBroker(socketPath: string | undefined, request: BrokerRequest, timeoutMs = 120_000): Promise<ClientResponse> {
  return new Promise((resolve) => {
    if (!socketPath) {
      resolve(unreachable('AGENTPOLICY_SOCKET is not set'));
      return;
    }
    const problem = socketProblem(socketPath);
    if (problem) {
      resolve({ ...unreachable(problem), failure: 'not-ours' });
      return;
    }
    let done = false;
    let buf = '';
    const finish = (r: ClientResponse) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const sock = net.createConnection(socketPath);
    const timer = setTimeout(() => finish({ ...unreachable(`no answer within ${Math.round(timeoutMs / 1000)} s`), failure: 'timeout' }), timeoutMs);
    sock.setEncoding('utf8');
    sock.on('connect', () => sock.write(JSON.stringify(request) + '\n'));
    sock.on('data', (d: string) => {
      buf += d;
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      try {
        const r = JSON.parse(buf.slice(0, nl)) as BrokerResponse;
        finish(r.decision === 'allow' || r.decision === 'deny' ? r : { ...unreachable('malformed answer'), failure: 'malformed' });
      } catch {
        finish({ ...unreachable('malformed answer'), failure: 'malformed' });
      }
    });
    sock.on('error', (e) => finish(unreachable(e.message)));
    sock.on('close', () => finish(unreachable('connection closed without an answer')));
  });
}

export function unreachable(why: string): ClientResponse {
  return {
    decision: 'deny',
    failure: 'unreachable',
    message: `agentpolicy: deny: the guard is unreachable (${why}). Start it with \`agentpolicy serve\` or run the agent through \`agentpolicy run\`, or reopen the VS Code terminal.`,
  };
}
