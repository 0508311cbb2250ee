/**
 * Two hub processes (`intertrade start`, each its own port) on one PostgreSQL server and
 * one devnet, as two replicas behind a proxy: the same stream of idempotent requests —
 * governance payments by Idempotency-Key, CXP tries by temp_id — sent to both at once,
 * each request to each process. Every payment is made exactly once: both processes
 * answer with the same transfer, the community's records hold one transfer per key,
 * and the payee's balance is the sum of the payments, once.
 *
 * The embedded database is one process: skipped there.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Client } from 'pg';
import { TestNetwork, startTestNetwork } from '@intertrade/devnet/testing';
import { SERVER_URL, TEST_MASTER_KEY, TestDatabase, createTestDatabase } from '../helpers/db';
import { Running, runIntertrade } from '../helpers/process';
import { freePort } from '../protocols/komunitin/hubs';
import { cxpClient } from '../protocols/cxp/helpers';

const N = 30;

describe('two hub processes taking the same idempotent requests over HTTP', function () {
  this.timeout(180000);
  const token = crypto.randomBytes(24).toString('hex');
  let net: TestNetwork;
  let tdb: TestDatabase;
  const hubs: Array<{ url: string; proc: Running }> = [];

  const gov = async (url: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}/governance/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  };
  const must = async (url: string, method: string, path: string, body?: unknown) => {
    const r = await gov(url, method, path, body);
    assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };

  before(async function () {
    if (!SERVER_URL) this.skip(); // the embedded database is one process
    net = await startTestNetwork();
    tdb = await createTestDatabase();
    const ports = [await freePort(), await freePort()];
    // Both behind one public address, as replicas behind a proxy are: the first's.
    const publicUrl = `http://127.0.0.1:${ports[0]}`;
    for (const port of ports) {
      const proc = runIntertrade(['start'], {
        DATA_DIR: tdb.dataDir, PORT: String(port), HOST: '127.0.0.1', PUBLIC_URL: publicUrl,
        DATABASE_URL: tdb.databaseUrl!, MASTER_KEY: TEST_MASTER_KEY,
        STELLAR_HORIZON_URL: net.url, STELLAR_NETWORK_PASSPHRASE: net.passphrase, STELLAR_CHANNELS: '2',
        RECONCILE_INTERVAL_MS: '0', GOVERNANCE_TOKENS: `admin:${token}`, LOG_LEVEL: 'error',
      });
      hubs.push({ url: `http://127.0.0.1:${port}`, proc });
      // One after the other: the first migrates and creates the sponsor, the second finds them.
      await proc.waitFor(/listening on http/, 90000);
    }
  });
  after(async () => {
    for (const h of hubs) h.proc.child.kill('SIGTERM');
    await Promise.all(hubs.map((h) => h.proc.exited));
    await net?.close();
    await tdb?.drop();
  });

  it('runs as two registered processes, each with its own channel accounts', async () => {
    const c = new Client({ connectionString: tdb.databaseUrl! });
    await c.connect();
    try {
      const procs = await c.query('select id, pid from hub_processes');
      assert.equal(procs.rows.length, 2);
      assert.deepEqual(new Set(procs.rows.map((r) => r.pid)).size, 2);
      const leases = await c.query(`select owner, count(*)::int as n from hub_leases where name like 'channel:%' and owner is not null group by owner`);
      assert.equal(leases.rows.length, 2, 'each process holds channels');
      for (const r of leases.rows) assert.equal(r.n, 3, 'two payment channels and one for upkeep each');
    } finally {
      await c.end();
    }
  });

  it('governance payments: the same Idempotency-Key at both processes at once pays once', async () => {
    const [one, two] = hubs.map((h) => h.url);
    await must(one, 'POST', '/communities', { code: 'RPG1', name: 'Replica Green', kind: 'hosted' });
    await must(one, 'POST', '/communities/RPG1/accounts', { code: 'PAY1', creditLimit: '10000', maxBalance: '10000' });
    await must(one, 'POST', '/communities/RPG1/accounts', { code: 'RCV1', creditLimit: '0', maxBalance: '10000' });
    const keys = Array.from({ length: N }, (_, i) => `replica-${i}-${crypto.randomUUID()}`);
    const answers = await Promise.all(keys.map((key, i) => Promise.all([one, two].map((url) =>
      gov(url, 'POST', '/transfers', { payer: 'RPG1/PAY1', payee: 'RPG1/RCV1', amount: String(i + 1), meta: key }, { 'idempotency-key': key })))));
    for (const [i, [a, b]] of answers.entries()) {
      assert.ok([200, 201].includes(a.status) && [200, 201].includes(b.status), `key ${i}: ${a.status} ${b.status} ${JSON.stringify([a.body, b.body])}`);
      assert.equal(a.body.id, b.body.id, `key ${i}: one transfer for both`);
      assert.equal(a.body.state, 'settled');
      assert.equal(b.body.state, 'settled');
    }
    const expected = (N * (N + 1)) / 2;
    const rcv = await must(two, 'GET', '/communities/RPG1/accounts/RCV1');
    assert.equal(Number(rcv.balance), expected, 'paid once each');
    const listed = await must(one, 'GET', '/communities/RPG1/transfers?protocol=governance&limit=200');
    assert.equal(listed.transfers.length, N, 'one transfer per key');
  });

  it('CXP tries: the same temp_id at both processes at once pays once', async () => {
    const [one, two] = hubs.map((h) => h.url);
    const approved = await must(one, 'POST', '/exchanges', { code: 'RPLX', name: 'Replica LETS', uri: 'https://lets-r.example/town', ticks: '60', creditLimit: '1000', maxBalance: '1000' });
    await must(one, 'POST', '/communities', { code: 'RPB1', name: 'Replica Blue', kind: 'hosted', settings: { traderCredit: '100000', traderMaxBalance: '1000000' } });
    await must(one, 'POST', '/communities/RPB1/accounts', { code: 'BOB1', creditLimit: '0', maxBalance: '10000' });
    await must(one, 'PUT', '/communities/RPB1/credit-lines/RPLX', { limit: '1000' });
    const clients = [cxpClient(one, approved.hawk), cxpClient(two, approved.hawk)];
    const body = (i: number) => ({
      payer: 'ann@lets-r.example', payer_url: 'lets-r.example/town/user/3', payee: 'BOB1', payee_url: `${one}/RPB1/BOB1`,
      src_url: 'lets-r.example/town', dest_url: `${one}/RPB1`, quantity: 6, description: `try ${i}`, really: true, temp_id: `replica-try-${i}`,
    });
    const answers = await Promise.all(Array.from({ length: N }, (_, i) => Promise.all(clients.map((c) => c.try(body(i))))));
    for (const [i, pair] of answers.entries()) {
      for (const a of pair) {
        assert.equal(a.status, 200, `try ${i}: ${a.text}`);
        assert.equal(a.body.state, 'settled', `try ${i}: ${a.text}`);
      }
    }
    const bob = await must(two, 'GET', '/communities/RPB1/accounts/BOB1');
    const listed = await must(one, 'GET', '/communities/RPB1/transfers?protocol=cxp&limit=200');
    assert.equal(listed.transfers.length, N, 'one transfer per temp_id');
    const sum = listed.transfers.reduce((s: number, t: { amount: string }) => s + Number(t.amount), 0);
    assert.equal(Number(bob.balance), sum, 'the balance is the payments once each');
    assert.ok(sum > 0);
  });
});
