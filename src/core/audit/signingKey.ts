/**
 * The log's Ed25519 checkpoint key. Kept next to the log (0600): it proves a
 * checkpoint came from this writer, and checkpoints shipped to a SIEM are the
 * anchor a local attacker cannot rewrite.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CompactSign, compactVerify, calculateJwkThumbprint, importJWK, exportJWK, generateKeyPair, decodeProtectedHeader } from 'jose';
import type { JWK } from 'jose';
import { AuditLogError, errnoOf, fsError } from './errors';
import type { CheckpointPayload } from './types';

export const KEY_FILE = 'checkpoint-key.jwk';
export const PUBLIC_KEY_FILE = 'checkpoint-key.pub.jwk';

type KeyLike = Awaited<ReturnType<typeof importJWK>>;

export class CheckpointSigner {
  private constructor(
    readonly kid: string,
    readonly publicJwk: JWK,
    private readonly key: KeyLike,
  ) {}

  /**
   * Loads the key from `dir`, creating it (0600) on first use. A key that cannot be read or
   * is not an Ed25519 private JWK is an AuditLogError `key` (a new key would fork the log's
   * proof of origin, so it is never replaced silently); a full disk or an unwritable folder
   * while creating it is `no-space` / `permission`.
   */
  static async loadOrCreate(dir: string): Promise<CheckpointSigner> {
    const file = path.join(dir, KEY_FILE);
    const fix = `restore it from a backup, or move the log folder aside to start a new log (the old one still verifies with its ${PUBLIC_KEY_FILE})`;
    let jwk: JWK | undefined;
    let text: string | undefined;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      const errno = errnoOf(e);
      if (errno !== 'ENOENT') throw new AuditLogError('key', `checkpoint key ${file} cannot be read (${errno ?? (e as Error).message}); it must be a file you own and can read (chmod 600), or ${fix}`, file, e);
    }
    if (text === undefined) {
      const { privateKey } = await generateKeyPair('Ed25519', { extractable: true });
      jwk = await exportJWK(privateKey);
      const tmp = `${file}.${process.pid}.tmp`;
      try {
        fs.writeFileSync(tmp, JSON.stringify(jwk) + '\n', { mode: 0o600, flag: 'wx' });
        fs.renameSync(tmp, file);
      } catch (e) {
        try {
          fs.unlinkSync(tmp);
        } catch {
          /* nothing written */
        }
        throw fsError(e, 'cannot be opened', file, dir);
      }
    } else {
      try {
        jwk = JSON.parse(text) as JWK;
      } catch {
        throw new AuditLogError('key', `checkpoint key ${file} is damaged (not JSON); ${fix}`, file);
      }
    }
    if (!jwk || typeof jwk !== 'object' || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.d || !jwk.x) throw new AuditLogError('key', `checkpoint key ${file} is not an Ed25519 private key; ${fix}`, file);
    const publicJwk: JWK = { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
    let key: KeyLike;
    let kid: string;
    try {
      kid = await calculateJwkThumbprint(publicJwk);
      key = await importJWK(jwk, 'EdDSA');
    } catch (e) {
      throw new AuditLogError('key', `checkpoint key ${file} is not a usable Ed25519 key (${(e as Error).message}); ${fix}`, file, e);
    }
    const pubFile = path.join(dir, PUBLIC_KEY_FILE);
    if (!fs.existsSync(pubFile)) {
      const tmp = `${pubFile}.${process.pid}.tmp`;
      try {
        fs.writeFileSync(tmp, JSON.stringify({ ...publicJwk, kid }) + '\n', { mode: 0o600 });
        fs.renameSync(tmp, pubFile);
      } catch (e) {
        try {
          fs.unlinkSync(tmp);
        } catch {
          /* nothing written */
        }
        throw fsError(e, 'cannot be opened', pubFile, dir);
      }
    }
    return new CheckpointSigner(kid, publicJwk, key);
  }

  async sign(payload: CheckpointPayload): Promise<string> {
    return new CompactSign(Buffer.from(JSON.stringify(payload))).setProtectedHeader({ alg: 'EdDSA', kid: this.kid, typ: 'agentpolicy-checkpoint' }).sign(this.key);
  }
}

/** Verifies checkpoint JWSs against known public keys (by kid). */
export class CheckpointVerifier {
  private readonly keys = new Map<string, Promise<KeyLike>>();

  constructor(publicJwks: JWK[]) {
    for (const jwk of publicJwks) this.add(jwk);
  }

  add(jwk: JWK): void {
    const pub: JWK = { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
    const claimed = jwk.kid;
    this.pending.push(
      calculateJwkThumbprint(pub).then((thumb) => {
        if (claimed && claimed !== thumb) throw new Error(`public key kid ${claimed} is not its thumbprint ${thumb}`);
        this.keys.set(thumb, importJWK(pub, 'EdDSA'));
      }),
    );
  }

  private readonly pending: Promise<void>[] = [];

  /** Loads `checkpoint-key.pub.jwk` from a log directory (or a given file). */
  static fromFile(file: string): CheckpointVerifier {
    const jwk = JSON.parse(fs.readFileSync(file, 'utf8')) as JWK;
    return new CheckpointVerifier([jwk]);
  }

  /** Returns the payload, or throws with the reason. */
  async verify(jws: string): Promise<{ payload: CheckpointPayload; kid: string }> {
    await Promise.all(this.pending);
    let header;
    try {
      header = decodeProtectedHeader(jws);
    } catch {
      throw new Error('checkpoint is not a compact JWS');
    }
    if (header.alg !== 'EdDSA') throw new Error(`checkpoint alg ${String(header.alg)} is not EdDSA`);
    const kid = String(header.kid ?? '');
    const key = this.keys.get(kid);
    if (!key) throw new Error(`checkpoint signed by unknown key ${kid || '(no kid)'}`);
    let verified;
    try {
      verified = await compactVerify(jws, await key, { algorithms: ['EdDSA'] });
    } catch {
      throw new Error('checkpoint signature does not verify');
    }
    const payload = JSON.parse(Buffer.from(verified.payload).toString('utf8')) as CheckpointPayload;
    if (typeof payload.seq !== 'number' || typeof payload.hash !== 'string' || typeof payload.log !== 'string') throw new Error('checkpoint payload is malformed');
    return { payload, kid };
  }
}

/** Reads a compact JWS's payload without verifying it (for display only). */
export function peekCheckpoint(jws: string): CheckpointPayload | undefined {
  try {
    const part = jws.split('.')[1];
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as CheckpointPayload;
  } catch {
    return undefined;
  }
}
