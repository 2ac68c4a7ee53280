import { findHosts, type HostEntry } from '../core/broker/registry';
import { askBroker } from '../core/ipc/client';
import type { ControlRequest } from '../core/ipc/protocol';

/**
 * The person's control commands (revoke, rearm, status) go to every guard host of this user, or
 * the one at `--socket`, with the owner credential each host left in the per-user registry: an
 * agent's session credential cannot do them.
 */
export async function controlHosts(type: ControlRequest['type'], io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream }, socket?: string): Promise<number> {
  let hosts: HostEntry[] = findHosts();
  if (socket) hosts = hosts.filter((h) => h.socket === socket);
  if (hosts.length === 0) {
    io.err.write(`agentpolicy: no running guard${socket ? ` at ${socket}` : ''} of this user (start one with \`agentpolicy serve\`, or open VS Code with Agent Policy).\n`);
    return 1;
  }
  let failed = 0;
  for (const h of hosts) {
    const r = await askBroker(h.socket, { v: 1, type, token: h.ownertoken }, type === 'rearm' ? 90_000 : 10_000);
    const text = type === 'status' && r.decision === 'allow' ? `${h.workspace}: ${r.message}${Array.isArray(r.data?.problems) && r.data.problems.length ? ` (${(r.data.problems as string[]).join('; ')})` : ''}; ${r.data?.pending ?? 0} pending` : `${h.workspace}: ${r.message}`;
    (r.decision === 'allow' ? io.out : io.err).write(text + '\n');
    if (r.decision !== 'allow') failed++;
  }
  return failed ? 1 : 0;
}
