import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Client } from 'pg';
import { SERVER_URL, TestDatabase, createTestDatabase, TEST_MASTER_KEY, tempDir } from '../helpers/db';
import { Running, runIntertrade } from '../helpers/process';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `read` every 200 ms until `ok` holds of what it read; fails after `ms` naming the last value. */
async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, what: string, ms = 30000): Promise<T> {
  const deadline = Date.now() + ms;
  let last: T | undefined;
  while (Date.now() < deadline) {
    last = await read();
    if (ok(last)) return last;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
}

describe('intertrade start --workers N (several hub processes on one port)', function () {
  this.timeout(240000);

  it('refuses --workers 2 and WORKERS=2 with the embedded database, naming DATABASE_URL (exit 2)', async () => {
    const dataDir = tempDir();
    const flag = runIntertrade(['start', '--workers', '2'], { DATA_DIR: dataDir, PORT: '0', DEVNET_PORT: '0' });
    assert.equal(await flag.exited, 2);
    assert.match(flag.output(), /--workers 2: several hub processes need a PostgreSQL server: set DATABASE_URL/);
    const env = runIntertrade(['start'], { DATA_DIR: dataDir, PORT: '0', DEVNET_PORT: '0', WORKERS: '2' });
    assert.equal(await env.exited, 2);
    assert.match(env.output(), /WORKERS=2: several hub processes need a PostgreSQL server: set DATABASE_URL/);
    const bad = runIntertrade(['start', '--workers', 'many'], { DATA_DIR: dataDir });
    assert.equal(await bad.exited, 2);
    assert.match(bad.output(), /--workers many: expected the number of hub processes/);
  });

  describe('on a PostgreSQL server', () => {
    let tdb: TestDatabase;
    let pg: Client;
    let hub: Running | null = null;
    const token = crypto.randomBytes(32).toString('base64url');

    before(async function () {
      if (!SERVER_URL) this.skip();
      tdb = await createTestDatabase();
      pg = new Client({ connectionString: tdb.databaseUrl! });
      await pg.connect();
    });
    after(async () => {
      if (!tdb) return;
      hub?.child.kill('SIGKILL');
      await hub?.exited;
      await pg.end();
      await tdb.drop();
    });

    const pids = async () => (await pg.query<{ pid: number }>('select pid from hub_processes order by pid')).rows.map((r) => Number(r.pid));

    it('shares one port among 2 workers that pay, restarts one killed -9, and stops them all on SIGTERM', async () => {
      hub = runIntertrade(['start', '--workers', '2'], {
        DATA_DIR: tdb.dataDir, PORT: '0', DEVNET_PORT: '0', LOG_LEVEL: 'info',
        DATABASE_URL: tdb.databaseUrl!, MASTER_KEY: TEST_MASTER_KEY, GOVERNANCE_TOKENS: `admin:${token}`,
      });
      const [, url] = await hub.waitFor(/2 workers listening on (http:\/\/\S+)/, 120000);
      const primary = hub.child.pid!;

      // Two hubs registered, neither of them the primary: each worker is a process of its own.
      const first = await until(pids, (p) => p.length === 2, 'two rows in hub_processes');
      assert.equal(new Set(first).size, 2);
      assert.ok(!first.includes(primary), 'the primary serves nothing itself');
      const ready = await fetch(`${url}/readyz`);
      assert.deepEqual(await ready.json(), { status: 'ready', checks: { database: { ok: true }, ledger: { ok: true } } });

      const api = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
        const res = await fetch(`${url}/governance/v1${path}`, {
          method,
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', connection: 'close', ...headers },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
        const json = await res.json() as Record<string, unknown>;
        assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
        return json;
      };
      await api('POST', '/communities', { code: 'GRN1', name: 'Green', kind: 'hosted', rate: { n: 1, d: 1 } });
      await api('POST', '/communities', { code: 'BLU1', name: 'Blue', kind: 'hosted', rate: { n: 1, d: 10 } });
      const payer = await api('POST', '/communities/GRN1/accounts', { creditLimit: '100', maxBalance: '1000' });
      const payee = await api('POST', '/communities/BLU1/accounts', { creditLimit: '100', maxBalance: '1000' });
      await api('PUT', '/communities/BLU1/credit-lines/GRN1', { limit: '500' });
      // One connection each (connection: close): the primary deals connections to the workers in turn.
      const pay = (n: number, tag: string) => Promise.all(Array.from({ length: n }, (_, i) => api('POST', '/transfers',
        { payer: `GRN1/${String(payer.code)}`, payee: `BLU1/${String(payee.code)}`, amount: '10' },
        { 'idempotency-key': `workers-${tag}-${i}` })));
      for (const t of await pay(6, 'a')) assert.ok(['settled', 'delivered'].includes(String(t.state)), JSON.stringify(t));
      const balance = async () => String((await api('GET', `/communities/BLU1/accounts/${String(payee.code)}`)).balance);
      assert.equal(await balance(), '60.0000000');

      // A worker killed -9 is forked again: a new process registers, the dead one's row goes.
      const [victim, survivor] = first;
      process.kill(victim, 'SIGKILL');
      const after = await until(pids, (p) => p.length === 2 && !p.includes(victim) && p.includes(survivor), 'a restarted worker in hub_processes');
      const restarted = after.find((p) => p !== survivor)!;
      assert.ok(!first.includes(restarted));
      await hub.waitFor(/worker died: restarting it/);
      assert.equal((await fetch(`${url}/readyz`)).status, 200);
      for (const t of await pay(4, 'b')) assert.ok(['settled', 'delivered'].includes(String(t.state)), JSON.stringify(t));
      assert.equal(await balance(), '100.0000000');

      hub.child.kill('SIGTERM');
      assert.equal(await hub.exited, 0, hub.output().slice(-3000));
      hub = null;
      assert.deepEqual(await pids(), [], 'every worker left the registry');
      for (const pid of [primary, survivor, restarted]) {
        assert.throws(() => process.kill(pid, 0), /ESRCH/, `process ${pid} is gone`);
      }
    });
  });
});
