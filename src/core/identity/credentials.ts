import * as crypto from 'crypto';
import { SignJWT, exportJWK, generateKeyPair, jwtVerify, calculateJwkThumbprint, type CryptoKey, type JWTPayload } from 'jose';

/** What a guarded terminal or `agentpolicy run` proves with every request. */
export interface CredentialClaims {
  /** Agent identity as attributed when the terminal or run started. */
  agent: string;
  /** Terminal or run session id. */
  sid: string;
  /** Workspace the credential is for. */
  ws: string;
  /** Revocation epoch the credential was issued in. */
  epoch: number;
  exp: number;
}

export type VerifyResult = { ok: true; claims: CredentialClaims } | { ok: false; reason: string };

/**
 * Short-lived credentials (zero standing trust): Ed25519-signed JWTs from a key made
 * when the broker starts and never written to disk. `revokeAll` invalidates every
 * credential issued so far at once.
 */
export class CredentialAuthority {
  private epoch = 0;
  private readonly revokedSessions = new Set<string>();
  private readonly cache = new Map<string, CredentialClaims>();

  private constructor(
    private readonly privateKey: CryptoKey,
    private readonly publicKey: CryptoKey,
    readonly keyId: string,
    readonly workspace: string,
  ) {}

  static async create(workspace: string): Promise<CredentialAuthority> {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
    const kid = await calculateJwkThumbprint(await exportJWK(publicKey));
    return new CredentialAuthority(privateKey, publicKey, kid, workspace);
  }

  async issue(agent: string, ttlSeconds = 12 * 3600, sid: string = crypto.randomUUID()): Promise<{ token: string; sid: string }> {
    const token = await new SignJWT({ agent, sid, ws: this.workspace, epoch: this.epoch })
      .setProtectedHeader({ alg: 'EdDSA', kid: this.keyId })
      .setIssuedAt()
      .setJti(crypto.randomUUID())
      .setExpirationTime(Math.floor(Date.now() / 1000) + ttlSeconds)
      .sign(this.privateKey);
    return { token, sid };
  }

  async verify(token: string | undefined): Promise<VerifyResult> {
    if (!token) return { ok: false, reason: 'no credential (AGENTPOLICY_TOKEN is not set in this process)' };
    let claims = this.cache.get(token);
    if (!claims) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, this.publicKey, { algorithms: ['EdDSA'] }));
      } catch (e) {
        const code = (e as { code?: string }).code;
        return { ok: false, reason: code === 'ERR_JWT_EXPIRED' ? 'the credential has expired' : `the credential is not valid (${code ?? (e as Error).message})` };
      }
      const c = payload as unknown as CredentialClaims;
      if (typeof c.agent !== 'string' || typeof c.sid !== 'string' || typeof c.ws !== 'string' || typeof c.epoch !== 'number' || typeof c.exp !== 'number') {
        return { ok: false, reason: 'the credential lacks required claims' };
      }
      claims = c;
      if (this.cache.size > 10000) this.cache.clear();
      this.cache.set(token, claims);
    }
    if (claims.exp * 1000 <= Date.now()) return { ok: false, reason: 'the credential has expired' };
    if (claims.ws !== this.workspace) return { ok: false, reason: `the credential is for another workspace (${claims.ws})` };
    if (claims.epoch !== this.epoch || this.revokedSessions.has(claims.sid)) return { ok: false, reason: 'the credential was revoked' };
    return { ok: true, claims };
  }

  /** Every credential issued so far stops working. */
  revokeAll(): void {
    this.epoch++;
    this.cache.clear();
  }

  revokeSession(sid: string): void {
    this.revokedSessions.add(sid);
  }
}
