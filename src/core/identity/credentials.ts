import * as crypto from 'crypto';
import { SignJWT, exportJWK, generateKeyPair, jwtVerify, calculateJwkThumbprint, type CryptoKey, type JWTPayload } from 'jose';

/**
 * What a credential is for: `session` — a guarded terminal or `agentpolicy run` (its requests are
 * the subject's); `owner` — the person who started the guard (control: revoke, re-arm, status);
 * `hook` — an agent's hook launcher (the agent names itself per request).
 */
export type CredentialRole = 'session' | 'owner' | 'hook';

/** What a guarded terminal or `agentpolicy run` proves with every request. */
export interface CredentialClaims {
  /** Subject id as attributed when the terminal or run started (an agent id, or the person's user name). */
  agent: string;
  role: CredentialRole;
  /** The subject's kind and how it was attributed when the credential was issued. */
  kind: 'agent' | 'person' | 'unknown';
  method: 'launch' | 'terminal' | 'credential';
  /** Terminal or run session id. */
  sid: string;
  /** Workspace the credential is for. */
  ws: string;
  /** Revocation epoch the credential was issued in. */
  epoch: number;
  exp: number;
}

const ROLES: readonly CredentialRole[] = ['session', 'owner', 'hook'];
const KINDS: readonly CredentialClaims['kind'][] = ['agent', 'person', 'unknown'];
const METHODS: readonly CredentialClaims['method'][] = ['launch', 'terminal', 'credential'];

export interface IssueOptions {
  ttlSeconds?: number;
  sid?: string;
  role?: CredentialRole;
  kind?: CredentialClaims['kind'];
  method?: CredentialClaims['method'];
}

export type VerifyResult = { ok: true; claims: CredentialClaims } | { ok: false; reason: string };

/**
 * Short-lived credentials (zero standing trust): Ed25519-signed JWTs from a key made
 * when the first credential is issued (a host that issues none, as a hook deciding in-process,
 * makes none) and never written to disk. `revokeAll` invalidates every credential issued so far
 * at once.
 */
export class CredentialAuthority {
  private epoch = 0;
  private readonly revokedSessions = new Set<string>();
  private readonly cache = new Map<string, CredentialClaims>();
  private key?: Promise<{ privateKey: CryptoKey; publicKey: CryptoKey; kid: string }>;

  private constructor(readonly workspace: string) {}

  static async create(workspace: string): Promise<CredentialAuthority> {
    return new CredentialAuthority(workspace);
  }

  private keyPair(): Promise<{ privateKey: CryptoKey; publicKey: CryptoKey; kid: string }> {
    this.key ??= (async () => {
      const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
      return { privateKey, publicKey, kid: await calculateJwkThumbprint(await exportJWK(publicKey)) };
    })();
    return this.key;
  }

  /**
   * Issues a credential. `agent` is the subject id; by default a `session` credential for an
   * agent attributed by the credential alone (the weakest method).
   */
  async issue(agent: string, opts: IssueOptions = {}): Promise<{ token: string; sid: string }> {
    const ttlSeconds = opts.ttlSeconds ?? 12 * 3600;
    const sid = opts.sid ?? crypto.randomUUID();
    const key = await this.keyPair();
    const token = await new SignJWT({ agent, sid, ws: this.workspace, epoch: this.epoch, role: opts.role ?? 'session', kind: opts.kind ?? 'agent', method: opts.method ?? 'credential' })
      .setProtectedHeader({ alg: 'EdDSA', kid: key.kid })
      .setIssuedAt()
      .setJti(crypto.randomUUID())
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(key.privateKey);
    return { token, sid };
  }

  async verify(token: string | undefined): Promise<VerifyResult> {
    if (!token) return { ok: false, reason: 'no credential (AGENTPOLICY_TOKEN is not set in this process)' };
    let claims = this.cache.get(token);
    if (!claims) {
      let payload: JWTPayload;
      try {
        // No key yet: nothing was issued, so no token can be ours (a key made now verifies none).
        if (!this.key) return { ok: false, reason: 'the credential is not valid (this guard has issued none: it comes from another guard, or one that has restarted since)' };
        ({ payload } = await jwtVerify(token, (await this.keyPair()).publicKey, { algorithms: ['EdDSA'] }));
      } catch (e) {
        const code = (e as { code?: string }).code;
        return { ok: false, reason: code === 'ERR_JWT_EXPIRED' ? 'the credential has expired' : `the credential is not valid (${code ?? (e as Error).message})` };
      }
      const c = payload as unknown as CredentialClaims;
      if (
        typeof c.agent !== 'string' ||
        typeof c.sid !== 'string' ||
        typeof c.ws !== 'string' ||
        typeof c.epoch !== 'number' ||
        typeof c.exp !== 'number' ||
        !ROLES.includes(c.role) ||
        !KINDS.includes(c.kind) ||
        !METHODS.includes(c.method)
      ) {
        return { ok: false, reason: 'the credential lacks required claims' };
      }
      claims = c;
      if (this.cache.size > 10000) this.cache.clear();
      this.cache.set(token, claims);
    }
    if (claims.exp * 1000 <= Date.now()) return { ok: false, reason: 'the credential has expired' };
    if (claims.ws !== this.workspace) return { ok: false, reason: `the credential is for another workspace (${claims.ws})` };
    // The kill switch ends every session credential; the owner's and the hook launchers' stay, so the person can re-arm.
    if (claims.role === 'session' && claims.epoch !== this.epoch) return { ok: false, reason: 'the credential was revoked by the kill switch (every agent is blocked until the person re-arms; then reopen the terminal or restart the agent)' };
    if (this.revokedSessions.has(claims.sid)) return { ok: false, reason: 'the credential was revoked' };
    return { ok: true, claims };
  }

  /** Every session credential issued so far stops working. */
  revokeAll(): void {
    this.epoch++;
    this.cache.clear();
  }

  revokeSession(sid: string): void {
    this.revokedSessions.add(sid);
  }
}
