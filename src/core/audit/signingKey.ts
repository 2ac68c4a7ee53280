/**
 * The log's Ed25519 checkpoint key. Kept next to the log (0600): it proves a
 * checkpoint came from this writer, and checkpoints shipped to a SIEM are the
 * anchor a local attacker cannot rewrite.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CompactSign, compactVerify, calculateJwkThumbprint, importJWK, exportJWK, generateKeyPair, decodeProtectedHeader } from 'jose';
import type { JWK } from 'jose';
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

  /** Loads the key from `dir`, creating it (0600) on first use. */
  static async loadOrCreate(dir: string): Promise<CheckpointSigner> {
    const file = path.join(dir, KEY_FILE);
    let jwk: JWK;
    try {
      jwk = JSON.parse(fs.readFileSync(file, 'utf8')) as JWK;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read checkpoint key ${file}: ${(e as Error).message}`);
      const { privateKey } = await generateKeyPair('Ed25519', { extractable: true });
      jwk = await exportJWK(privateKey);
      const tmp = `${file}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(jwk) + '\n', { mode: 0o600, flag: 'wx' });
      fs.renameSync(tmp, file);
    }
    if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || !jwk.d || !jwk.x) throw new Error(`checkpoint key ${file} is not an Ed25519 private JWK`);
    const publicJwk: JWK = { kty: 'OKP', crv: 'Ed25519', x: jwk.x };
    const kid = await calculateJwkThumbprint(publicJwk);
    const pubFile = path.join(dir, PUBLIC_KEY_FILE);
    if (!fs.existsSync(pubFile)) fs.writeFileSync(pubFile, JSON.stringify({ ...publicJwk, kid }) + '\n', { mode: 0o600 });
    return new CheckpointSigner(kid, publicJwk, await importJWK(jwk, 'EdDSA'));
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
