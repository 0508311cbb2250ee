import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { inspect } from 'node:util';
import { openStorage } from '../../src/app';
import { loadConfig } from '../../src/config';
import { Community } from '../../src/core/communities/model';
import { createLogger } from '../../src/logger';
import { keyId, randomKey } from '../../src/vault/crypto';
import { Redacted } from '../../src/vault/redacted';
import { rotateCommunityKey, rotateMasterKey } from '../../src/vault/rotation';
import { VaultTamperError } from '../../src/vault/crypto';
import { WrongMasterKeyError, openVault } from '../../src/vault/vault';
import { TEST_MASTER_KEY, createTestDatabase, testConfig } from '../helpers/db';
import { TestStorage, openTestStorage, uniqueCode } from '../helpers/storage';

const community = (s: TestStorage): Promise<Community> => s.register(uniqueCode());

describe('key vault', () => {
  let s: TestStorage;
  // Embedded mode generates its key; server mode uses the fixed test key.
  const master = () => s.masterKey.key;

  beforeEach(async () => {
    s = await openTestStorage();
  });
  afterEach(async () => {
    await s?.cleanup();
  });

  it('seals a secret under the community key and opens it again; the row holds no plaintext', async () => {
    const c = await community(s);
    await s.db.community(c.id, (trx) => s.vault.sealSecret(trx, c.id, 'issuer', 'SCSECRETVALUE'));
    const opened = await s.db.community(c.id, (trx) => s.vault.openSecret(trx, c.id, 'issuer'));
    assert.equal(opened.reveal(), 'SCSECRETVALUE');
    const row = await s.db.owner('vault_secrets').where({ community_id: c.id, name: 'issuer' }).first();
    assert.equal(row.sealed.length, 1 + 12 + 'SCSECRETVALUE'.length + 16);
    assert.ok(!row.sealed.includes(Buffer.from('SCSECRETVALUE')));
  });

  it('uses a fresh IV every time: sealing the same secret twice gives different ciphertexts', async () => {
    const c = await community(s);
    const sealedOnce = async () => {
      await s.db.community(c.id, (trx) => s.vault.sealSecret(trx, c.id, 'x', 'same'));
      return (await s.db.owner('vault_secrets').where({ community_id: c.id, name: 'x' }).first()).sealed as Buffer;
    };
    const one = await sealedOnce();
    const two = await sealedOnce();
    assert.notDeepEqual(one.subarray(1, 13), two.subarray(1, 13));
  });

  it('fails loudly on tampered ciphertext', async () => {
    const c = await community(s);
    await s.db.community(c.id, (trx) => s.vault.sealSecret(trx, c.id, 'issuer', 'SCSECRET'));
    const row = await s.db.owner('vault_secrets').where({ community_id: c.id, name: 'issuer' }).first();
    const bad = Buffer.from(row.sealed);
    bad[20] ^= 1;
    await s.db.owner('vault_secrets').where({ community_id: c.id, name: 'issuer' }).update({ sealed: bad });
    await assert.rejects(s.db.community(c.id, (trx) => s.vault.openSecret(trx, c.id, 'issuer')), VaultTamperError);
  });

  it('binds a ciphertext to its owner: copied to another name or community it does not open', async () => {
    const a = await community(s);
    const b = await community(s);
    await s.db.community(a.id, (trx) => s.vault.sealSecret(trx, a.id, 'issuer', 'SCA'));
    await s.db.community(a.id, (trx) => s.vault.sealSecret(trx, a.id, 'admin', 'SCA2'));
    await s.db.community(b.id, (trx) => s.vault.sealSecret(trx, b.id, 'issuer', 'SCB'));
    const aIssuer = (await s.db.owner('vault_secrets').where({ community_id: a.id, name: 'issuer' }).first()).sealed;
    await s.db.owner('vault_secrets').where({ community_id: a.id, name: 'admin' }).update({ sealed: aIssuer });
    await s.db.owner('vault_secrets').where({ community_id: b.id, name: 'issuer' }).update({ sealed: aIssuer });
    await assert.rejects(s.db.community(a.id, (trx) => s.vault.openSecret(trx, a.id, 'admin')), VaultTamperError);
    await assert.rejects(s.db.community(b.id, (trx) => s.vault.openSecret(trx, b.id, 'issuer')), VaultTamperError);
  });

  it('rotates the master key: rows re-wrapped, old key refused at start, new key opens every secret', async () => {
    const a = await community(s);
    const b = await community(s);
    await s.db.community(a.id, (trx) => s.vault.sealSecret(trx, a.id, 'issuer', 'SCA'));
    await s.db.community(b.id, (trx) => s.vault.sealSecret(trx, b.id, 'issuer', 'SCB'));
    const oldKey = master();
    const newKey = randomKey();
    const r = await rotateMasterKey(s.db, oldKey, newKey);
    assert.equal(r.rewrapped, 2);
    const ids = await s.db.owner('community_keys').distinct('master_key_id');
    assert.deepEqual(ids.map((x) => x.master_key_id), [keyId(newKey)]);
    // This vault was opened before the rotation and keeps working from its cache.
    assert.equal((await s.db.community(a.id, (trx) => s.vault.openSecret(trx, a.id, 'issuer'))).reveal(), 'SCA');
    await assert.rejects(openVault({ db: s.db, masterKey: oldKey }), WrongMasterKeyError);
    const fresh = await openVault({ db: s.db, masterKey: newKey });
    assert.equal((await s.db.community(b.id, (trx) => fresh.openSecret(trx, b.id, 'issuer'))).reveal(), 'SCB');
  });

  it('resumes an interrupted master rotation, and refuses to start a second one meanwhile', async () => {
    const cs = [await community(s), await community(s), await community(s)];
    for (const c of cs) await s.db.community(c.id, (trx) => s.vault.sealSecret(trx, c.id, 'issuer', `S-${c.code}`));
    const oldKey = master();
    const newKey = randomKey();
    let calls = 0;
    await assert.rejects(rotateMasterKey(s.db, oldKey, newKey, () => {
      if (++calls === 1) throw new Error('crash');
    }), /crash/);
    const mixed = await s.db.owner('community_keys').distinct('master_key_id');
    assert.equal(mixed.length, 2, 'half done: rows under both keys');
    await assert.rejects(rotateMasterKey(s.db, oldKey, randomKey()), /rotation to master key .* is unfinished/);
    await assert.rejects(openVault({ db: s.db, masterKey: newKey }), /target of an unfinished rotation/);
    await rotateMasterKey(s.db, oldKey, newKey);
    const fresh = await openVault({ db: s.db, masterKey: newKey });
    for (const c of cs) {
      assert.equal((await s.db.community(c.id, (trx) => fresh.openSecret(trx, c.id, 'issuer'))).reveal(), `S-${c.code}`);
    }
  });

  it('a hub that outlived a master rotation wraps new community keys under the new key, or refuses', async () => {
    const newKey = randomKey();
    const embeddedHub = await openVault({ db: s.db, masterKey: master(), reload: () => newKey });
    const serverHub = await openVault({ db: s.db, masterKey: master() });
    await rotateMasterKey(s.db, master(), newKey);
    const create = (vault: typeof embeddedHub) => s.db.hub(async (trx) => {
      const [row] = await trx('communities').insert({ code: uniqueCode(), name: 'Late', kind: 'hosted' }).returning('id');
      await trx.raw(`select set_config('intertrade.community', ?, true)`, [row.id]);
      await vault.createCommunityKey(trx, row.id);
      return row.id as string;
    });
    const id = await create(embeddedHub);
    const row = await s.db.owner('community_keys').where({ community_id: id }).first();
    assert.equal(row.master_key_id, keyId(newKey));
    await assert.rejects(create(serverHub), /master key was rotated; restart the hub with the new MASTER_KEY/);
  });

  it('rotates a community key, resumably: every secret re-sealed, the old version dropped', async () => {
    const c = await community(s);
    for (let i = 0; i < 5; i++) await s.db.community(c.id, (trx) => s.vault.sealSecret(trx, c.id, `member:${i}`, `S${i}`));
    let calls = 0;
    await assert.rejects(rotateCommunityKey(s.db, s.vault, c.id, () => {
      if (++calls === 2) throw new Error('crash');
    }, 2), /crash/);
    const versions = await s.db.owner('vault_secrets').where({ community_id: c.id }).distinct('key_version');
    assert.equal(versions.length, 2, 'half the secrets still under v1');
    const r = await rotateCommunityKey(s.db, s.vault, c.id);
    assert.equal(r.version, 2);
    const keys = await s.db.owner('community_keys').where({ community_id: c.id }).select('version', 'status');
    assert.deepEqual(keys, [{ version: 2, status: 'current' }]);
    for (let i = 0; i < 5; i++) {
      assert.equal((await s.db.community(c.id, (trx) => s.vault.openSecret(trx, c.id, `member:${i}`))).reveal(), `S${i}`);
    }
  });
});

describe('master key at start-up', () => {
  it('a wrong MASTER_KEY stops start-up with a clear message', async () => {
    const tdb = await createTestDatabase();
    try {
      const first = await openStorage(testConfig(tdb, { MASTER_KEY: TEST_MASTER_KEY }), createLogger('silent'));
      await first.close();
      const wrong = randomKey().toString('hex');
      await assert.rejects(
        openStorage(testConfig(tdb, { MASTER_KEY: wrong }), createLogger('silent')),
        (err: Error) => err instanceof WrongMasterKeyError && /not the key this database was sealed with/.test(err.message),
      );
    } finally {
      await tdb.drop();
    }
  });

  it('embedded mode generates a key on first start and reuses it after a restart', async () => {
    const tdb = await createTestDatabase();
    try {
      if (tdb.databaseUrl) return; // server mode always has MASTER_KEY
      const cfg = loadConfig({ DATA_DIR: tdb.dataDir, LOG_LEVEL: 'silent' });
      const first = await openStorage(cfg, createLogger('silent'));
      assert.equal(first.masterKey.origin, 'generated');
      const id = first.vault.masterKeyId;
      await first.close();
      const second = await openStorage(cfg, createLogger('silent'));
      assert.equal(second.masterKey.origin, 'file');
      assert.equal(second.vault.masterKeyId, id);
      await second.close();
    } finally {
      await tdb.drop();
    }
  });
});

describe('secrets never reach a log', () => {
  it('redacts Redacted values and secret-named fields', () => {
    let out = '';
    const sink = new Writable({ write(chunk, _enc, cb) { out += chunk; cb(); } });
    const log = createLogger('info', sink);
    const secret = 'SBXSECRETSTELLARSEEDVALUE';
    log.info({ secret, nested: { seed: secret, key: secret }, wrapped: new Redacted(secret) }, 'x');
    log.info({ account: { authorization: `Bearer ${secret}` } }, 'y');
    assert.ok(out.length > 0);
    assert.ok(!out.includes(secret), out);
    assert.equal(inspect(new Redacted(secret)), '[redacted]');
    assert.equal(JSON.stringify({ s: new Redacted(secret) }), '{"s":"[redacted]"}');
    assert.equal(`${new Redacted(secret)}`, '[redacted]');
  });
});
