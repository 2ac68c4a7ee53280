import * as os from 'os';
import * as path from 'path';
import { AuditLog } from '../core/audit/auditLog';
import { AuditLogSink } from '../core/broker/auditSink';
import { Broker, FixedApprover, type Approver, type Logger } from '../core/broker/broker';
import { CredentialAuthority } from '../core/identity/credentials';
import { BrokerServer, type ServerAddress } from '../core/ipc/server';
import type { CompiledPolicy } from '../core/policy/compile';
import { UsageError } from './args';
import { TtyApprover } from './ttyApprover';

export interface RunningBroker {
  broker: Broker;
  server: BrokerServer;
  address: ServerAddress;
  credentials: CredentialAuthority;
  audit?: AuditLog;
  close(): Promise<void>;
}

export function approverFor(name: string | undefined): Approver {
  switch (name ?? 'tty') {
    case 'tty':
      return new TtyApprover();
    case 'deny':
      return new FixedApprover('deny');
    case 'allow':
      return new FixedApprover('allow-once');
    default:
      throw new UsageError(`unknown approver "${name}": use tty, deny or allow`);
  }
}

export const stderrLogger: Logger = {
  info: (m) => process.stderr.write(`${m}\n`),
  error: (m) => process.stderr.write(`${m}\n`),
};

/** Starts a broker for one workspace: credentials, approver, optional audit log, socket and port. */
export async function startBroker(opts: { policy: CompiledPolicy; approver: Approver; auditDir?: string; logger?: Logger; user?: string }): Promise<RunningBroker> {
  const credentials = await CredentialAuthority.create(opts.policy.workspace);
  const audit = opts.auditDir ? await AuditLog.open(path.resolve(opts.auditDir)) : undefined;
  const policy = () => opts.policy;
  const broker = new Broker({ policy, credentials, approver: opts.approver, audit: audit ? new AuditLogSink(audit, policy) : undefined, logger: opts.logger, user: opts.user ?? os.userInfo().username });
  const server = new BrokerServer(broker, opts.logger);
  const address = await server.listen();
  return {
    broker,
    server,
    address,
    credentials,
    audit,
    async close() {
      await server.close();
      await audit?.close();
    },
  };
}
