/**
 * Where the master key comes from. A PostgreSQL server deployment must be given
 * MASTER_KEY (config enforces it). The embedded default generates one on first start
 * and keeps it in DATA_DIR/master.key (mode 0600), with a warning: convenient on a
 * laptop, but whoever can read DATA_DIR can read every custodial secret.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseKey } from '../config';
import { randomKey } from './crypto';
import { ensureDir } from '../db/data-dir';

export interface MasterKeySource {
  key: Buffer;
  /** Where it came from, for the start-up message (never the key itself). */
  origin: 'MASTER_KEY' | 'generated' | 'file';
  file: string | null;
}

export function masterKeyFile(dataDir: string): string {
  return path.join(dataDir, 'master.key');
}

/** Pending new key of an interrupted `keys rotate-master` (embedded mode). */
export function nextMasterKeyFile(dataDir: string): string {
  return path.join(dataDir, 'master.key.next');
}

export function readKeyFile(file: string): Buffer {
  const key = parseKey(fs.readFileSync(file, 'utf8'));
  if (!key) throw new Error(`${file} does not hold a 32-byte key (hex or base64)`);
  return key;
}

/** Write atomically: a crash leaves either the old file or the new one, never half. */
export function writeKeyFile(file: string, key: Buffer): void {
  ensureDir(path.dirname(file));
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o600);
  fs.writeSync(fd, `${key.toString('base64')}\n`);
  fs.fsyncSync(fd);
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
}

export function loadMasterKey(opts: { masterKey: Buffer | null; dataDir: string; embedded: boolean }): MasterKeySource {
  if (opts.masterKey) return { key: opts.masterKey, origin: 'MASTER_KEY', file: null };
  if (!opts.embedded) throw new Error('MASTER_KEY is required with a PostgreSQL server');
  const file = masterKeyFile(opts.dataDir);
  if (fs.existsSync(file)) return { key: readKeyFile(file), origin: 'file', file };
  const key = randomKey();
  writeKeyFile(file, key);
  return { key, origin: 'generated', file };
}
