/**
 * Signature checking after stellar-core's SignatureChecker: signatures are matched to
 * signers by hint and verified; each signer counts once, weights are capped at 255,
 * pre-auth transaction signers count without a signature, and every signature must
 * end up used by someone (else tx_bad_auth_extra).
 *
 * ed25519 verification dominates the cost of a payment, so it goes through
 * node:crypto with cached key objects, and results are memoised per transaction
 * frame (validation at submission and application at close share them).
 */
import { KeyObject, createHash, createPublicKey, verify } from 'node:crypto';
import { StrKey, xdr } from '@stellar/stellar-sdk';

export interface WeightedSigner {
  /** strkey: G… ed25519, T… pre-auth tx, X… sha256 hash, P… ed25519 signed payload. */
  readonly key: string;
  readonly weight: number;
}

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const MAX_CACHE = 50_000;

const keyObjects = new Map<string, KeyObject>();
const rawKeys = new Map<string, Buffer>();

function cached<V>(m: Map<string, V>, k: string, make: () => V): V {
  let v = m.get(k);
  if (v === undefined) {
    v = make();
    if (m.size >= MAX_CACHE) m.clear();
    m.set(k, v);
  }
  return v;
}

function raw(key: string): Buffer {
  return cached(rawKeys, key, () => {
    switch (key[0]) {
      case 'G': return StrKey.decodeEd25519PublicKey(key);
      case 'T': return StrKey.decodePreAuthTx(key);
      case 'X': return StrKey.decodeSha256Hash(key);
      default: return StrKey.decodeSignedPayload(key);
    }
  });
}

function keyObject(pub: Buffer): KeyObject {
  return cached(keyObjects, pub.toString('latin1'), () =>
    createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, pub]), format: 'der', type: 'spki' }));
}

function ed25519Verify(pub: Buffer, data: Buffer, sig: Buffer): boolean {
  if (sig.length !== 64) return false;
  try {
    return verify(null, data, keyObject(pub), sig);
  } catch {
    return false;
  }
}

function hintMatches(hint: Buffer, b: Buffer, offset: number): boolean {
  return hint[0] === b[offset] && hint[1] === b[offset + 1] && hint[2] === b[offset + 2] && hint[3] === b[offset + 3];
}

/** Hint of a signed-payload signer: the key's last 4 bytes XOR the payload's last 4 (zero-padded). */
function signedPayloadHint(r: Buffer): { pub: Buffer; payload: Buffer; hint: Buffer } {
  const pub = r.subarray(0, 32);
  const len = r.readUInt32BE(32);
  const payload = r.subarray(36, 36 + len);
  const tail = Buffer.alloc(4);
  if (len >= 4) payload.copy(tail, 0, len - 4); else payload.copy(tail, 0);
  const hint = Buffer.alloc(4);
  for (let i = 0; i < 4; i++) hint[i] = pub[28 + i] ^ tail[i];
  return { pub, payload, hint };
}

/** Memoised verification results of one transaction's signatures: "sigIndex|signerKey". */
export type VerifyCache = Map<string, boolean>;

export class SignatureChecker {
  private readonly used: boolean[];

  constructor(
    private readonly contentsHash: Buffer,
    private readonly signatures: readonly xdr.DecoratedSignature[],
    private readonly cache: VerifyCache,
  ) {
    this.used = signatures.map(() => false);
  }

  /** Do the signatures reach `needed` weight among `signers`? Marks the signatures it uses. */
  check(signers: readonly WeightedSigner[], needed: number): boolean {
    let total = 0;
    const byType: Record<string, WeightedSigner[]> = { G: [], T: [], X: [], P: [] };
    for (const s of signers) byType[s.key[0]]?.push(s);

    for (const s of byType.T) {
      if (raw(s.key).equals(this.contentsHash)) {
        total += Math.min(s.weight, 255);
        if (total >= needed) return true;
      }
    }
    for (const type of ['X', 'G', 'P'] as const) {
      const candidates = byType[type];
      if (candidates.length === 0) continue;
      for (let i = 0; i < this.signatures.length; i++) {
        const sig = this.signatures[i];
        const at = candidates.findIndex((s) => this.matches(i, sig, s));
        if (at < 0) continue;
        this.used[i] = true;
        total += Math.min(candidates[at].weight, 255);
        if (total >= needed) return true;
        candidates.splice(at, 1);
      }
    }
    return false;
  }

  checkAllSignaturesUsed(): boolean {
    return this.used.every(Boolean);
  }

  private matches(i: number, sig: xdr.DecoratedSignature, s: WeightedSigner): boolean {
    const hint = sig.hint();
    const r = raw(s.key);
    if (s.key[0] === 'P') {
      const p = signedPayloadHint(r);
      if (!p.hint.equals(hint)) return false;
      return this.memo(i, s.key, () => ed25519Verify(p.pub, p.payload, sig.signature()));
    }
    if (!hintMatches(hint, r, r.length - 4)) return false;
    if (s.key[0] === 'X') {
      return this.memo(i, s.key, () => createHash('sha256').update(sig.signature()).digest().equals(r));
    }
    return this.memo(i, s.key, () => ed25519Verify(r, this.contentsHash, sig.signature()));
  }

  private memo(i: number, key: string, f: () => boolean): boolean {
    const k = `${i}|${key}`;
    let v = this.cache.get(k);
    if (v === undefined) {
      v = f();
      this.cache.set(k, v);
    }
    return v;
  }
}
