/**
 * Exchange passwords as the hub's Clearing Central keeps them: a slow hash (scrypt,
 * random salt, parameters stored with it so they can be raised later), compared in
 * constant time. The original keeps them in plain text and compares with `!=`.
 */
import crypto from 'node:crypto';

const N = 16384;
const R = 8;
const P = 1;
const KEYLEN = 32;

const scrypt = (password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> => new Promise((resolve, reject) => {
  crypto.scrypt(password, salt, KEYLEN, { N: n, r, p, maxmem: 128 * n * r * 2 }, (err, key) => (err ? reject(err) : resolve(key)));
});

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const key = await scrypt(password, salt, N, R, P);
  return ['scrypt', N, R, P, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Whether `password` is the one hashed; a malformed stored value matches nothing. */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const parts = (stored ?? '').split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') {
    // Same work either way, so the time taken does not tell a listed community from an exchange.
    await scrypt(password, Buffer.alloc(16), N, R, P);
    return false;
  }
  const [, n, r, p, salt, hash] = parts;
  const want = Buffer.from(hash, 'base64');
  const got = await scrypt(password, Buffer.from(salt, 'base64'), Number(n), Number(r), Number(p));
  return want.length === got.length && crypto.timingSafeEqual(want, got);
}

/** A fresh password, shown once to the governing body (24 characters, URL-safe). */
export const newPassword = (): string => crypto.randomBytes(18).toString('base64url');

/**
 * A password check that remembers the last success per stored hash: scrypt costs tens
 * of milliseconds of CPU by design, and every txinput.php carries the password, so a
 * hash is computed once per exchange and password (and again whenever the stored hash
 * changes), then a SHA-256 of what was sent is compared in constant time. Failures are
 * never remembered: each costs a full scrypt.
 */
export function createPasswordCheck(): (password: string, stored: string | null) => Promise<boolean> {
  const known = new Map<string, Buffer>();
  const digest = (s: string) => crypto.createHash('sha256').update(s).digest();
  return async (password, stored) => {
    const hit = stored ? known.get(stored) : undefined;
    if (hit) return crypto.timingSafeEqual(hit, digest(password));
    const ok = await verifyPassword(password, stored);
    if (ok && stored) {
      if (known.size > 10_000) known.clear();
      known.set(stored, digest(password));
    }
    return ok;
  };
}
