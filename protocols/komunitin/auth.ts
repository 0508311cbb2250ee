/**
 * Server-to-server authentication as Komunitin does it
 * (accounting/src/controller/external-jwt.ts): a JWT signed EdDSA with the Stellar
 * account's own ed25519 key; `sub` is the account's public key (G…), so the verifier
 * needs no key exchange: the key to check the signature with is the subject itself.
 * `aud` is "komunitin-app", `exp` one hour, and 5 minutes of clock skew are tolerated.
 */
import { KeyObject, createPrivateKey, createPublicKey } from 'node:crypto';
import { Keypair, StrKey } from '@stellar/stellar-sdk';
import { SignJWT, decodeJwt, jwtVerify } from 'jose';
import { Redacted } from '../../src/core';
import { KomunitinCode, KomunitinError } from './errors';

export const AUDIENCE = 'komunitin-app';
const TOLERANCE_S = 5 * 60;

const b64url = (b: Buffer): string => b.toString('base64url');

/** A Stellar secret seed as the Ed25519 private key it is. */
function privateKeyOf(kp: Keypair): KeyObject {
  return createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: b64url(kp.rawPublicKey()), d: b64url(kp.rawSecretKey()) },
    format: 'jwk',
  });
}

function publicKeyOf(accountKey: string): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(StrKey.decodeEd25519PublicKey(accountKey)) }, format: 'jwk' });
}

/** A token speaking for the account whose secret this is, issued by this hub. */
export async function signToken(secret: Redacted<string>, issuer: string): Promise<string> {
  const kp = Keypair.fromSecret(secret.reveal());
  return new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA' })
    .setIssuer(issuer)
    .setAudience(AUDIENCE)
    .setSubject(kp.publicKey())
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(privateKeyOf(kp));
}

/**
 * Tokens this hub issued, reused while young. A bearer token may be presented many
 * times within its hour; signing a new one for every notify cost a key derivation and
 * a signature each time. A token is reused for at most REUSE_MS, so the receiver always
 * gets one with most of its hour left. Keyed by issuer and account key: one account
 * key has one secret, so two hubs in one process never share a token.
 */
const REUSE_MS = 10 * 60 * 1000;
const MAX_CACHED = 10_000;
const issued = new Map<string, { token: string; until: number }>();

/** A token for `publicKey` from `issuer`: a recent one, or a new one signed with the secret `lookup` gives. */
export async function tokenFor(publicKey: string, issuer: string, lookup: (publicKey: string) => Promise<Redacted<string>>): Promise<string> {
  const key = `${issuer} ${publicKey}`;
  const hit = issued.get(key);
  if (hit && hit.until > Date.now()) return hit.token;
  const token = await signToken(await lookup(publicKey), issuer);
  if (issued.size >= MAX_CACHED) issued.clear();
  issued.set(key, { token, until: Date.now() + REUSE_MS });
  return token;
}

const unauthorized = (detail: string) => new KomunitinError(KomunitinCode.Unauthorized, detail);

/** The `Authorization: Bearer <JWT>` of a request, checked; resolves with the account key it speaks for. */
export async function verifyBearer(header: string | undefined): Promise<string> {
  if (!header) throw unauthorized('Authorization header is required: Bearer <JWT signed with the account key>.');
  const m = /^Bearer\s+(\S+)$/i.exec(header.trim());
  if (!m) throw unauthorized('Invalid Authorization header: expected "Bearer <JWT>".');
  let sub: string | undefined;
  try {
    sub = decodeJwt(m[1]).sub;
  } catch {
    throw unauthorized('The bearer token is not a JWT.');
  }
  if (!sub || !StrKey.isValidEd25519PublicKey(sub)) throw unauthorized('The JWT must name the account\'s public key (G…) in its sub claim.');
  try {
    await jwtVerify(m[1], publicKeyOf(sub), { algorithms: ['EdDSA'], audience: AUDIENCE, clockTolerance: TOLERANCE_S, maxTokenAge: '1h', requiredClaims: ['exp'] });
  } catch (err) {
    const code = (err as { code?: string }).code ?? '';
    const why = code === 'ERR_JWT_EXPIRED' ? 'the token has expired'
      : code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' ? 'the signature is not the sub account\'s'
        : code === 'ERR_JWT_CLAIM_VALIDATION_FAILED' ? `claim check failed (${(err as Error).message})`
          : (err as Error).message;
    throw unauthorized(`Invalid JWT: ${why}.`);
  }
  return sub;
}
