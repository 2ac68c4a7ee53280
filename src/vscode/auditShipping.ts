import * as fs from 'fs';
import * as vscode from 'vscode';
import type { Logger } from '../core/broker/broker';
import { transportFor } from '../core/audit/ship/destination';
import { shipOnce } from '../core/audit/ship/shipper';
import type { GuardService } from './guardService';
import { SETTINGS } from './ids';
import { dispose } from './logger';

export interface ShipReport {
  destination: string;
  sent: number;
  backlog: number;
  error?: string;
}

const SECRET_HEC_TOKEN = 'agentPolicy.hecToken';
const INTERVAL_MS = 30_000;

/**
 * Ships the audit log to the SIEM named in settings: shortly after decisions and every 30 s.
 * The shipper's durable cursor means nothing is lost or sent twice across restarts; when the
 * SIEM is down the backlog shows in the status bar tooltip and the log.
 */
export class AuditShipping implements vscode.Disposable {
  private disposables: vscode.Disposable[] = [];
  private timer?: NodeJS.Timeout;
  private soon?: NodeJS.Timeout;
  private chain: Promise<void> = Promise.resolve();
  /** Records the SIEM has not acknowledged; undefined when shipping is off. */
  backlog: number | undefined;
  lastError: string | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly guard: GuardService,
    private readonly logger: Logger,
  ) {
    this.disposables.push(
      this.changed,
      guard.onDidDecide(() => this.shipSoon()),
      vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('agentPolicy.audit') && this.restart()),
      { dispose: () => this.stop() },
    );
    this.restart();
  }

  /** Stores the Splunk HEC token in VS Code's secret storage (never in settings). */
  static async setHecToken(context: vscode.ExtensionContext): Promise<void> {
    const token = await vscode.window.showInputBox({ title: 'Agent Policy: Splunk HEC token', password: true, prompt: 'Stored in VS Code secret storage' });
    if (token) await context.secrets.store(SECRET_HEC_TOKEN, token);
  }

  configured(): boolean {
    const c = vscode.workspace.getConfiguration();
    return [SETTINGS.auditSyslog, SETTINGS.auditHecUrl, SETTINGS.auditOtlpUrl].some((k) => !!c.get<string>(k));
  }

  private restart(): void {
    this.stop();
    if (!this.configured()) {
      void vscode.commands.executeCommand('setContext', 'agentPolicy.shippingConfigured', false);
      this.backlog = undefined;
      this.changed.fire();
      return;
    }
    this.timer = setInterval(() => void this.ship(), INTERVAL_MS);
    void vscode.commands.executeCommand('setContext', 'agentPolicy.shippingConfigured', true);
    this.shipSoon();
  }

  private stop(): void {
    clearInterval(this.timer);
    clearTimeout(this.soon);
  }

  private shipSoon(): void {
    if (!this.configured()) return;
    clearTimeout(this.soon);
    this.soon = setTimeout(() => void this.ship(), 2000);
  }

  /**
   * Ships now; runs one at a time (a call during a run waits for it, then ships again).
   * Resolves with what happened, or undefined when no destination is configured.
   */
  ship(): Promise<ShipReport | undefined> {
    const run = this.chain.then(() => this.shipNow());
    this.chain = run.then(() => undefined, () => undefined);
    return run;
  }

  private async shipNow(): Promise<ShipReport | undefined> {
    if (!this.configured()) return undefined;
    try {
      await this.guard.ready;
      const c = vscode.workspace.getConfiguration();
      const caFile = c.get<string>(SETTINGS.auditCaFile);
      const transport = transportFor({
        syslog: c.get<string>(SETTINGS.auditSyslog) || undefined,
        hec: c.get<string>(SETTINGS.auditHecUrl) || undefined,
        token: (await this.context.secrets.get(SECRET_HEC_TOKEN)) ?? undefined,
        otlp: c.get<string>(SETTINGS.auditOtlpUrl) || undefined,
        ca: caFile ? fs.readFileSync(caFile) : undefined,
      });
      try {
        const r = await shipOnce({ dir: this.guard.auditDir, transport, maxAttempts: 3 });
        this.backlog = r.backlog;
        this.lastError = r.error;
        if (r.error) this.logger.error(`[ship] ${transport.id}: ${r.error}; ${r.backlog} record(s) waiting`);
        else if (r.sent) this.logger.info(`[ship] ${transport.id}: sent ${r.sent}`);
        return { destination: transport.id, sent: r.sent, backlog: r.backlog, error: r.error };
      } finally {
        await transport.close();
      }
    } catch (e) {
      this.lastError = (e as Error).message;
      this.logger.error(`[ship] ${this.lastError}`);
      return { destination: 'the configured destination', sent: 0, backlog: this.backlog ?? 0, error: this.lastError };
    } finally {
      this.changed.fire();
    }
  }

  dispose(): void {
    this.disposables = dispose(this.disposables);
  }
}
