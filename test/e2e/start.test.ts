import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { openStorage } from '../../src/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { registerCommunity } from '../../src/core/communities/registry';
import { Community } from '../../src/core/communities/model';
import { TestDatabase, createTestDatabase, TEST_MASTER_KEY } from '../helpers/db';
import { runIntertrade } from '../helpers/process';

describe('npm start (the intertrade start command)', function () {
  this.timeout(120000);
  let tdb: TestDatabase;

  before(async () => {
    tdb = await createTestDatabase();
  });
  after(async () => {
    await tdb.drop();
  });

  const env = (): Record<string, string> => ({
    DATA_DIR: tdb.dataDir,
    PORT: '0',
    DEVNET_PORT: '0',
    LOG_LEVEL: 'info',
    ...(tdb.databaseUrl ? { DATABASE_URL: tdb.databaseUrl, MASTER_KEY: TEST_MASTER_KEY } : {}),
  });

  async function start() {
    const hub = runIntertrade(['start'], env());
    const [, url] = await hub.waitFor(/listening on (http:\/\/\S+)/);
    await hub.waitFor(/stellar: +embedded devnet, Horizon API at http:\/\/127\.0\.0\.1:\d+/);
    return { hub, url };
  }

  it('serves /healthz and /readyz with no set-up, drains on SIGTERM, and keeps its data across a restart', async () => {
    const t0 = Date.now();
    const first = await start();
    const health = await fetch(`${first.url}/healthz`);
    assert.equal(health.status, 200);
    assert.ok(Date.now() - t0 < 30000, 'healthy within 30 s');
    const ready = await fetch(`${first.url}/readyz`);
    assert.deepEqual(await ready.json(), { status: 'ready', checks: { database: { ok: true }, ledger: { ok: true } } });
    assert.match(first.hub.output(), new RegExp(`database: +${tdb.databaseUrl ? 'PostgreSQL at' : 'embedded PostgreSQL'}`));

    // An operator's command beside the running hub: attaches to its database.
    const cfg = loadConfig({ ...env(), LOG_LEVEL: 'silent' });
    const admin = await openStorage(cfg, createLogger('silent'), { attach: true });
    const created = await admin.db.hub((trx) => registerCommunity(trx, admin.vault, { code: 'KEEP', name: 'Kept', kind: 'hosted' }));
    assert.ok(typeof created !== 'string');
    await admin.db.community(created.id, (trx) => admin.vault.sealSecret(trx, created.id, 'issuer', 'SKEEPSECRET'));
    await admin.close();

    first.hub.child.kill('SIGTERM');
    assert.equal(await first.hub.exited, 0);
    assert.match(first.hub.output(), /shutting down: draining requests/);
    assert.ok(!fs.existsSync(path.join(tdb.dataDir, 'hub.lock')), 'lock released');
    assert.ok(!first.hub.output().includes('SKEEPSECRET'));

    const second = await start();
    assert.equal((await fetch(`${second.url}/healthz`)).status, 200);
    second.hub.child.kill('SIGTERM');
    assert.equal(await second.hub.exited, 0);

    const again = await openStorage(cfg, createLogger('silent'));
    try {
      const kept = await again.db.hub(async (trx) => Community.query(trx).findOne({ code: 'KEEP' }));
      assert.ok(kept);
      const secret = await again.db.community(kept.id, (trx) => again.vault.openSecret(trx, kept.id, 'issuer'));
      assert.equal(secret.reveal(), 'SKEEPSECRET');
    } finally {
      await again.close();
    }
  });

  it('refuses to start on bad configuration, naming each variable', async () => {
    const hub = runIntertrade(['start'], { ...env(), PORT: 'abc', LOG_LEVEL: 'chatty' });
    assert.equal(await hub.exited, 2);
    assert.match(hub.output(), /PORT="abc": expected/);
    assert.match(hub.output(), /LOG_LEVEL="chatty": expected one of/);
  });

  it('refuses to start with a wrong master key', async () => {
    const key = Buffer.alloc(32, 9).toString('hex');
    const hub = runIntertrade(['start'], { ...env(), MASTER_KEY: key });
    assert.equal(await hub.exited, 1);
    assert.match(hub.output(), /MASTER_KEY is not the key this database was sealed with/);
  });
});
