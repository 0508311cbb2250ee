/**
 * Custodial key vault, Komunitin's scheme: a master key (only ever in memory) wraps
 * one data key per community and version; each Stellar secret is sealed under its
 * community's current data key. Unwrapped data keys are cached in memory, which is
 * also what lets a running hub keep working while `keys rotate-master` re-wraps rows
 * under a key it does not hold.
 */
import { Database, Trx } from '../db/database';
import { keyId, open, randomKey, seal } from './crypto';
import { Redacted } from './redacted';

export const MASTER_KEY_SETTING = 'master_key_id';
export const ROTATION_SETTING = 'master_key_rotation';

export class WrongMasterKeyError extends Error {
  constructor(expected: string, got: string, rotatingTo?: string) {
    super(
      rotatingTo === got
        ? `MASTER_KEY is the target of an unfinished rotation (key id ${got}); finish it with ` +
          '`intertrade keys rotate-master` (MASTER_KEY = the old key, NEW_MASTER_KEY = this one) before starting the hub'
        : `MASTER_KEY is not the key this database was sealed with (expected key id ${expected}, got ${got}). ` +
          'Start with the right MASTER_KEY; a wrong key would make every custodial secret unreadable.',
    );
    this.name = 'WrongMasterKeyError';
  }
}

interface KeyRow {
  community_id: string;
  version: number;
  wrapped: Buffer;
  master_key_id: string;
  status: 'current' | 'retiring';
}

export const dataKeyAad = (communityId: string, version: number): string =>
  `intertrade:community-key:${communityId}:${version}`;
export const secretAad = (communityId: string, name: string, version: number): string =>
  `intertrade:secret:${communityId}:${name}:${version}`;

export const hubSecretAad = (name: string): string => `intertrade:hub-secret:${name}`;

export interface Vault {
  readonly masterKeyId: string;
  /** Hub-level secrets (sponsor, channel accounts): sealed under the master key itself. */
  sealHubSecret(trx: Trx, name: string, publicKey: string, secret: string): Promise<void>;
  openHubSecret(trx: Trx, name: string): Promise<{ publicKey: string; secret: Redacted<string> } | null>;
  /** Create version 1 of a new community's data key (inside the creating transaction). */
  createCommunityKey(trx: Trx, communityId: string): Promise<void>;
  /**
   * Start (or resume) a community key rotation: a new current version, the old one
   * `retiring`. Returns the current version.
   */
  beginCommunityKeyRotation(trx: Trx, communityId: string): Promise<number>;
  /** Seal (insert or replace) a named secret under the community's current key. */
  sealSecret(trx: Trx, communityId: string, name: string, secret: string): Promise<void>;
  openSecret(trx: Trx, communityId: string, name: string): Promise<Redacted<string>>;
  /** The unwrapped data key of one version (used by rotation). */
  dataKey(trx: Trx, communityId: string, version: number): Promise<Buffer>;
  /** Re-seal one secret under the current key; false when it already is. */
  resealSecret(trx: Trx, communityId: string, name: string): Promise<boolean>;
}

/** Master keys this process holds, by key id. */
export class KeyRing {
  private keys = new Map<string, Buffer>();

  constructor(public current: Buffer, ...others: Buffer[]) {
    for (const k of [current, ...others]) this.keys.set(keyId(k), k);
  }

  get(id: string): Buffer | undefined {
    return this.keys.get(id);
  }

  add(key: Buffer): void {
    this.keys.set(keyId(key), key);
  }
}

export async function readMasterSettings(db: Database): Promise<{ id: string | null; rotatingTo: string | null }> {
  return db.hub(async (trx) => {
    const rows = await trx('hub_settings').whereIn('key', [MASTER_KEY_SETTING, ROTATION_SETTING]);
    const get = (k: string) => (rows.find((r) => r.key === k)?.value as { id?: string } | undefined)?.id ?? null;
    return { id: get(MASTER_KEY_SETTING), rotatingTo: get(ROTATION_SETTING) };
  });
}

/**
 * Open the vault: check the master key against the one recorded at first start (or
 * record it), then unwrap every community key into the cache.
 * `reload` lets embedded mode pick up a key file replaced by a finished rotation.
 */
export async function openVault(opts: {
  db: Database;
  masterKey: Buffer;
  reload?: () => Buffer | null;
}): Promise<Vault> {
  const { db } = opts;
  const ring = new KeyRing(opts.masterKey);
  const myId = keyId(opts.masterKey);

  await db.hub(async (trx) => {
    const row = await trx('hub_settings').where({ key: MASTER_KEY_SETTING }).forUpdate().first();
    if (!row) {
      await trx('hub_settings').insert({ key: MASTER_KEY_SETTING, value: { id: myId } });
      return;
    }
    const recorded = (row.value as { id: string }).id;
    if (recorded !== myId) {
      const rot = await trx('hub_settings').where({ key: ROTATION_SETTING }).first();
      throw new WrongMasterKeyError(recorded, myId, (rot?.value as { id?: string } | undefined)?.id);
    }
  });

  const cache = new Map<string, Buffer>();
  const cacheKey = (communityId: string, version: number) => `${communityId}:${version}`;

  const unwrap = (row: KeyRow): Buffer => {
    let master = ring.get(row.master_key_id);
    if (!master && opts.reload) {
      const fresh = opts.reload();
      if (fresh) ring.add(fresh);
      master = ring.get(row.master_key_id);
    }
    if (!master) {
      throw new Error(
        `the data key of community ${row.community_id} (v${row.version}) is wrapped by master key ${row.master_key_id}, ` +
        'which this process does not hold: the master key was rotated; restart the hub with the new MASTER_KEY',
      );
    }
    const key = open(master, row.wrapped, dataKeyAad(row.community_id, row.version), `data key of community ${row.community_id} v${row.version}`);
    cache.set(cacheKey(row.community_id, row.version), key);
    return key;
  };

  const dataKey = async (trx: Trx, communityId: string, version: number): Promise<Buffer> => {
    const hit = cache.get(cacheKey(communityId, version));
    if (hit) return hit;
    const row = await trx<KeyRow>('community_keys').where({ community_id: communityId, version }).first();
    if (!row) throw new Error(`community ${communityId} has no data key v${version}`);
    return unwrap(row);
  };

  const currentVersion = async (trx: Trx, communityId: string): Promise<number> => {
    const row = await trx<KeyRow>('community_keys').where({ community_id: communityId, status: 'current' }).first('version');
    if (!row) throw new Error(`community ${communityId} has no current data key`);
    return row.version;
  };

  /** Wrap a fresh data key under the master key currently recorded for the hub. */
  const insertKey = async (trx: Trx, communityId: string, version: number): Promise<void> => {
    // The master key may have been rotated by another process since we started:
    // wrapping under a retired key would strand this community's secrets.
    const s = await trx('hub_settings').where({ key: MASTER_KEY_SETTING }).first();
    const recorded = (s?.value as { id?: string } | undefined)?.id;
    let master = ring.current;
    if (recorded && recorded !== keyId(master)) {
      const fresh = opts.reload?.();
      if (!fresh || keyId(fresh) !== recorded) {
        throw new Error('the master key was rotated; restart the hub with the new MASTER_KEY');
      }
      ring.add(fresh);
      ring.current = fresh;
      master = fresh;
    }
    const key = randomKey();
    await trx('community_keys').insert({
      community_id: communityId, version, status: 'current',
      wrapped: seal(master, key, dataKeyAad(communityId, version)), master_key_id: keyId(master),
    });
    cache.set(cacheKey(communityId, version), key);
  };

  // Warm the cache so rotations run by another process cannot strand this one.
  const communities: Array<{ id: string }> = await db.hub((trx) => trx('communities').select('id'));
  for (const c of communities) {
    await db.community(c.id, async (trx) => {
      for (const row of await trx<KeyRow>('community_keys').select()) unwrap(row);
    });
  }

  const vault: Vault = {
    masterKeyId: myId,

    async sealHubSecret(trx, name, publicKey, secret) {
      const master = ring.current;
      await trx('hub_secrets').insert({
        name, public_key: publicKey, master_key_id: keyId(master),
        sealed: seal(master, Buffer.from(secret, 'utf8'), hubSecretAad(name)),
      });
    },

    async openHubSecret(trx, name) {
      const row = await trx('hub_secrets').where({ name }).first();
      if (!row) return null;
      let master = ring.get(row.master_key_id);
      if (!master && opts.reload) {
        const fresh = opts.reload();
        if (fresh) ring.add(fresh);
        master = ring.get(row.master_key_id);
      }
      if (!master) throw new Error(`hub secret "${name}" is sealed under master key ${row.master_key_id}; restart the hub with the new MASTER_KEY`);
      const plain = open(master, row.sealed, hubSecretAad(name), `hub secret "${name}"`);
      return { publicKey: row.public_key as string, secret: new Redacted(plain.toString('utf8')) };
    },

    async createCommunityKey(trx, communityId) {
      await insertKey(trx, communityId, 1);
    },

    async beginCommunityKeyRotation(trx, communityId) {
      const current = await trx<KeyRow>('community_keys').where({ community_id: communityId, status: 'current' }).forUpdate().first();
      if (!current) throw new Error(`community ${communityId} has no data key`);
      const retiring = await trx<KeyRow>('community_keys').where({ community_id: communityId, status: 'retiring' }).first();
      if (retiring) return current.version; // resume an interrupted rotation
      await trx('community_keys').where({ community_id: communityId, version: current.version }).update({ status: 'retiring' });
      await insertKey(trx, communityId, current.version + 1);
      return current.version + 1;
    },

    async sealSecret(trx, communityId, name, secret) {
      const version = await currentVersion(trx, communityId);
      const key = await dataKey(trx, communityId, version);
      const sealed = seal(key, Buffer.from(secret, 'utf8'), secretAad(communityId, name, version));
      await trx('vault_secrets')
        .insert({ community_id: communityId, name, key_version: version, sealed })
        .onConflict(['community_id', 'name'])
        .merge({ key_version: version, sealed, updated_at: trx.fn.now() });
    },

    async openSecret(trx, communityId, name) {
      const row = await trx('vault_secrets').where({ community_id: communityId, name }).first();
      if (!row) throw new Error(`no secret "${name}" in community ${communityId}`);
      const key = await dataKey(trx, communityId, row.key_version);
      const plain = open(key, row.sealed, secretAad(communityId, name, row.key_version), `secret "${name}" of community ${communityId}`);
      return new Redacted(plain.toString('utf8'));
    },

    dataKey,

    async resealSecret(trx, communityId, name) {
      const row = await trx('vault_secrets').where({ community_id: communityId, name }).forUpdate().first();
      const version = await currentVersion(trx, communityId);
      if (!row || row.key_version === version) return false;
      const plain = open(await dataKey(trx, communityId, row.key_version), row.sealed,
        secretAad(communityId, name, row.key_version), `secret "${name}" of community ${communityId}`);
      const key = await dataKey(trx, communityId, version);
      await trx('vault_secrets').where({ community_id: communityId, name }).update({
        key_version: version, sealed: seal(key, plain, secretAad(communityId, name, version)), updated_at: trx.fn.now(),
      });
      return true;
    },
  };
  return vault;
}
