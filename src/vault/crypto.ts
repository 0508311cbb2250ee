/**
 * AES-256-GCM with a random 12-byte IV per message and associated data that binds
 * the ciphertext to its owner (a data key to its community and version, a secret to
 * its community, name and key version). Moving a ciphertext to another row, or
 * flipping one bit, makes `open` fail loudly.
 */
import crypto from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Format byte, so the sealed layout can evolve without guessing. */
const FORMAT_V1 = 1;

export class VaultTamperError extends Error {
  constructor(what: string) {
    super(`${what} failed authentication: the ciphertext was altered, moved to another owner, or sealed under another key`);
    this.name = 'VaultTamperError';
  }
}

export function randomKey(): Buffer {
  return crypto.randomBytes(32);
}

/** Sealed layout: format(1) ‖ iv(12) ‖ ciphertext ‖ tag(16). */
export function seal(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const iv = crypto.randomBytes(IV_BYTES);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([FORMAT_V1]), iv, body, cipher.getAuthTag()]);
}

export function open(key: Buffer, sealed: Buffer, aad: string, what: string): Buffer {
  if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== FORMAT_V1) throw new VaultTamperError(what);
  const iv = sealed.subarray(1, 1 + IV_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const body = sealed.subarray(1 + IV_BYTES, sealed.length - TAG_BYTES);
  const decipher = crypto.createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new VaultTamperError(what);
  }
}

/** Public, non-secret identifier of a master key (stored beside what it wraps). */
export function keyId(key: Buffer): string {
  return crypto.createHmac('sha256', key).update('intertrade master key id').digest('hex').slice(0, 16);
}
