/**
 * Outages answered well: while the database drops connections, requests are retried
 * inside the hub (never a 500) and every payment is made exactly once; what still
 * fails is 503 with Retry-After in each protocol's own format. While the Stellar
 * network is down, a payment is answered within TRANSFER_WAIT_MS, and /readyz names
 * what is down in words.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import net from 'node:net';
import { Client } from 'pg';
import { TestNetwork, startTestNetwork } from '@intertrade/devnet/testing';
import { TestHub, startGovernanceHub, token } from '../governance/api';
import { SERVER_URL } from '../helpers/db';
import { CxpClient, FakeExchange, approveExchange, cxpClient, importExportBalance, startFakeExchange } from '../protocols/cxp/helpers';

const ADMIN = token();

/** A lost connection, as the database would cause one: every connection of the hub's pool dropped. */
interface Killer {
  /** Drop every connection now; how many. */
  kill(): Promise<number>;
  /** Drop every connection and refuse new ones, until the returned function is called. */
  block(): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/**
 * On a server, pg_terminate_backend (what the outage harness did). The embedded database
 * has one backend and nothing to terminate: there the hub's sockets to it are cut, which
 * the socket server sees as a client gone (it rolls back that client's transaction) and
 * the hub as a connection terminated mid-query, as it would see a server's.
 */
async function killer(h: TestHub): Promise<Killer> {
  if (h.tdb.databaseUrl) {
    const c = new Client({ connectionString: h.tdb.databaseUrl });
    await c.connect();
    const kill = async () => {
      const r = await c.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()');
      return r.rowCount ?? 0;
    };
    const name = new URL(h.tdb.databaseUrl).pathname.slice(1);
    const admin = async (sql: string) => {
      const a = new Client({ connectionString: SERVER_URL! });
      await a.connect();
      try { await a.query(sql); } finally { await a.end(); }
    };
    return {
      kill,
      async block() {
        await admin(`alter database ${name} allow_connections false`);
        await kill();
        return () => admin(`alter database ${name} allow_connections true`);
      },
      close: () => c.end(),
    };
  }
  type Pooled = { resource?: { connection?: { stream?: { destroy(): void } } } };
  const client = h.hub.db.owner.client as unknown as { pool: { used: Pooled[]; free: Pooled[] }; acquireRawConnection(): Promise<unknown> };
  const kill = async () => {
    const all = [...client.pool.used, ...client.pool.free];
    for (const p of all) p.resource?.connection?.stream?.destroy();
    return all.length;
  };
  return {
    kill,
    async block() {
      // Nothing listens: a new connection is refused, as the driver would report it.
      const connect = client.acquireRawConnection;
      client.acquireRawConnection = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED /tmp/.s.PGSQL.5432'), { code: 'ECONNREFUSED' }));
      await kill();
      return async () => { client.acquireRawConnection = connect; };
    },
    close: async () => {},
  };
}

/** Run `kill` every `everyMs` until stopped; how many connections it dropped. */
function keepKilling(k: Killer, everyMs: number): { stop(): Promise<number> } {
  let killed = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      killed += await k.kill().catch(() => 0);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return killed;
    },
  };
}

/**
 * A TCP proxy in front of Horizon that can take the network away: `refuse` (nothing
 * listens: connection refused, as when the network is stopped) or `blackhole` (connections
 * are accepted and never answered, as a partition or a hung server does).
 */
async function horizonProxy(target: string) {
  const t = new URL(target);
  let mode: 'pass' | 'blackhole' | 'refuse' = 'pass';
  const sockets = new Set<net.Socket>();
  const cut = () => { for (const s of sockets) s.destroy(); };
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => {});
    if (mode !== 'pass') return; // held, never answered
    const up = net.connect(Number(t.port), t.hostname);
    sockets.add(up);
    up.on('close', () => { sockets.delete(up); client.destroy(); });
    up.on('error', () => client.destroy());
    client.on('close', () => up.destroy());
    client.pipe(up).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    async set(m: 'pass' | 'blackhole' | 'refuse') {
      // Connections kept alive would carry on: every one is cut at a change.
      cut();
      if (m === 'refuse' && mode !== 'refuse') await new Promise<void>((r) => server.close(() => r()));
      if (m !== 'refuse' && mode === 'refuse') await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
      mode = m;
    },
    async close() {
      cut();
      if (mode !== 'refuse') await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('outages', function () {
  this.timeout(180000);

  describe('the database drops connections', () => {
    let h: TestHub;
    let k: Killer;
    let remote: FakeExchange;
    let cxpA: CxpClient;
    const A_SITE = 'lets-a.example/town';

    before(async () => {
      h = await startGovernanceHub({ GOVERNANCE_TOKENS: `admin:${ADMIN}` }, ADMIN);
      k = await killer(h);
      for (const code of ['DKA1', 'DKB1']) {
        assert.equal((await h.call('POST', '/communities', { body: { code, name: code, kind: 'hosted' } })).status, 201);
        assert.equal((await h.call('POST', `/communities/${code}/accounts`, { body: { creditLimit: '1000', maxBalance: '1000' } })).status, 201);
      }
      assert.equal((await h.call('PUT', '/communities/DKB1/credit-lines/DKA1', { body: { limit: '1000' } })).status, 200);
      remote = await startFakeExchange();
      const A = await approveExchange(h, { code: 'LEKA', name: 'Town LETS', uri: `https://${A_SITE}`, ticks: '1', creditLimit: '100', maxBalance: '100' });
      const B = await approveExchange(h, { code: 'LEKB', name: 'Swap Circle', uri: remote.uri, ticks: '1', creditLimit: '100', maxBalance: '100' });
      remote.creds = B.creds;
      cxpA = cxpClient(h.hub.url, A.creds);
      assert.equal((await h.call('PUT', '/communities/LEKB/credit-lines/LEKA', { body: { limit: '100' } })).status, 200);
    });
    after(async () => {
      await k?.close();
      await remote?.stop();
      await h?.close();
    });

    it('answers no request with a 500 and pays every payment exactly once (governance and CXP)', async () => {
      const N = 60;
      const statuses: number[] = [];
      const cxpCodes: unknown[] = [];
      const keys = Array.from({ length: N }, () => crypto.randomUUID());
      const govern = async (key: string) => {
        // A client that repeats on 503, as Retry-After asks: never a second payment.
        for (let i = 0; i < 40; i++) {
          const r = await h.call('POST', '/transfers', { body: { payer: 'DKA1/DKA10001', payee: 'DKB1/DKB10001', amount: '1' }, headers: { 'idempotency-key': key } });
          statuses.push(r.status);
          if (r.status === 503) {
            assert.ok(r.headers.get('retry-after'), '503 says when to repeat');
            assert.equal(r.body.error.code, 'unavailable', JSON.stringify(r.body));
            assert.match(r.body.error.message, /^the database \(.+\) is unreachable: .+; repeat the same request/);
          }
          // 202: recorded, not final yet (a write of its outcome met the outage): asked again.
          if (r.status === 503 || r.status === 202) {
            await new Promise((res) => setTimeout(res, 100));
            continue;
          }
          return r;
        }
        throw new Error(`payment ${key} never answered`);
      };
      const tryCxp = async (i: number) => {
        const body = {
          payer: 'ann@lets-a.example', payer_url: `${A_SITE}/user/3`, payee: 'bob@swap.example', payee_url: `${remote.uri}/user/9`,
          src_url: A_SITE, dest_url: remote.uri, quantity: 0.5, description: 'jam', really: true, temp_id: `kill-${i}`,
        };
        for (let n = 0; n < 60; n++) {
          const r = await cxpA.try(body);
          cxpCodes.push(r.body.code);
          statuses.push(r.status);
          if (r.body.code === 7) {
            await new Promise((res) => setTimeout(res, 100));
            continue;
          }
          return r;
        }
        throw new Error(`try ${i} never final`);
      };
      const killing = keepKilling(k, 100);
      let paid;
      let tried;
      try {
        [paid, tried] = await Promise.all([Promise.all(keys.map(govern)), Promise.all(Array.from({ length: 8 }, (_, i) => tryCxp(i)))]);
      } finally {
        const killed = await killing.stop();
        assert.ok(killed > 10, `connections were dropped (${killed})`);
      }
      const outages = h.hub.db.outages();
      assert.ok(outages.retried > 0, 'transactions met lost connections and were run again');
      if (process.env.TEST_LOG_LEVEL) console.log({ answers: statuses.length, unavailable: statuses.filter((s) => s === 503).length, ...outages });
      const failed = statuses.filter((s) => s >= 500 && s !== 503);
      assert.equal(failed.length, 0, `${failed.length} of ${statuses.length} answers were ${[...new Set(failed)].join(', ')} while connections dropped`);
      assert.ok(!cxpCodes.includes(5), `no CXP internal error: ${JSON.stringify(cxpCodes)}`);
      for (const r of paid) {
        assert.ok(r.status === 201 || r.status === 200, JSON.stringify(r.body));
        assert.equal(r.body.state, 'settled', JSON.stringify(r.body));
      }
      for (const r of tried) assert.equal(r.body.code, 'OK', r.text);

      // Exactly once: each key one transfer, and the ledger moved exactly N (governance) and 8 × 0.5 (CXP).
      const payer = await h.call('GET', '/communities/DKA1/accounts/DKA10001');
      assert.equal(payer.body.balance, `-${N}.0000000`);
      const payee = await h.call('GET', '/communities/DKB1/accounts/DKB10001');
      assert.equal(payee.body.balance, `${N}.0000000`);
      assert.equal(await importExportBalance(h, 'LEKA'), '-4.0000000');
      assert.equal(remote.written.size, 8);
      const rows = await h.hub.db.owner('transfers').whereIn('idempotency_key', keys.map((key) => `governance|admin|${key}`)).count('* as n').first();
      assert.equal(Number(rows?.n), N);
    });

    it('answers what still fails with 503 and Retry-After in each protocol\'s format, and /readyz names the database', async () => {
      const unreachable = /^the database \((PostgreSQL at|embedded PostgreSQL).+\) is unreachable: .+/;
      const restore = await k.block();
      try {
        const governance = await h.call('GET', '/communities');
        assert.equal(governance.status, 503, JSON.stringify(governance.body));
        assert.equal(governance.headers.get('retry-after'), '5');
        assert.equal(governance.body.error.code, 'unavailable');
        assert.match(governance.body.error.message, unreachable);
        assert.match(governance.body.error.message, /repeat the same request in a few seconds/);

        const komunitin = await fetch(`${h.hub.url}/DKA1/accounts/DKA10001`);
        assert.equal(komunitin.status, 503);
        assert.equal(komunitin.headers.get('retry-after'), '5');
        assert.match(komunitin.headers.get('content-type') ?? '', /application\/vnd\.api\+json/);
        const k1 = (await komunitin.json() as { errors: Array<{ status: string; code: string; detail: string }> }).errors[0];
        assert.deepEqual({ status: k1.status, code: k1.code }, { status: '503', code: 'ServiceUnavailable' });
        assert.match(k1.detail, unreachable);

        const cxp = await cxpA.prepare({ volume: 0, integrity: 1, balance: 0 });
        assert.equal(cxp.status, 503, cxp.text);
        assert.equal(cxp.headers.get('retry-after'), '5');
        assert.equal(cxp.body.code, 7, "CXP's \"try again\"");
        assert.match(cxp.body.args['@message'], unreachable);

        const ready = await fetch(`${h.hub.url}/readyz`);
        assert.equal(ready.status, 503);
        const checks = (await ready.json() as { checks: { database: { ok: boolean; error: string } } }).checks;
        assert.equal(checks.database.ok, false);
        assert.match(checks.database.error, unreachable);

        const metrics = await fetch(`${h.hub.url}/metrics`);
        assert.equal(metrics.status, 200, 'a scrape never fails');
        assert.match(await metrics.text(), /^intertrade_figures_up 0$/m);
      } finally {
        await restore();
      }
      // Back: ready again once no request has failed for a few seconds.
      const end = Date.now() + 15000;
      let status = 0;
      while (Date.now() < end && status !== 200) {
        await new Promise((r) => setTimeout(r, 500));
        status = (await fetch(`${h.hub.url}/readyz`)).status;
      }
      assert.equal(status, 200);
      assert.equal((await h.call('GET', '/communities')).status, 200);
    });

    it('shows in /metrics the transfers by state and protocol, a stuck outbox, lost connections and the last reconciliation', async () => {
      remote.behaviour = 'error500';
      const stuck = await cxpA.try({
        payer: 'ann@lets-a.example', payer_url: `${A_SITE}/user/3`, payee: 'bob@swap.example', payee_url: `${remote.uri}/user/9`,
        src_url: A_SITE, dest_url: remote.uri, quantity: 0.5, description: 'jam', really: true, temp_id: 'stuck-1',
      });
      assert.equal(stuck.body.code, 7, stuck.text); // paid, not confirmed by the receiving exchange
      const drift = await h.call('POST', '/reconcile', { body: {} });
      assert.equal(drift.status, 200, JSON.stringify(drift.body));
      await new Promise((r) => setTimeout(r, 1100)); // the figures are read at most once a second
      const text = await (await fetch(`${h.hub.url}/metrics`)).text();
      const value = (line: string) => {
        const m = text.match(new RegExp(`^${line.replace(/[{}"=,.]/g, (c) => `\\${c}`)} (\\S+)$`, 'm'));
        assert.ok(m, `${line} in /metrics`);
        return Number(m[1]);
      };
      assert.equal(value('intertrade_transfers{protocol="governance",state="settled"}'), 60);
      assert.equal(value('intertrade_transfers{protocol="cxp",state="delivered"}'), 8);
      assert.equal(value('intertrade_transfers{protocol="cxp",state="settled"}'), 1);
      assert.equal(value('intertrade_outbox_pending{kind="cxp.relay"}'), 1);
      assert.ok(value('intertrade_outbox_oldest_pending_seconds{kind="cxp.relay"}') > 1);
      assert.equal(value('intertrade_figures_up'), 1);
      assert.ok(value('intertrade_db_retried_transactions_total') > 0);
      assert.ok(value('intertrade_db_unavailable_transactions_total') > 0, 'the requests given up while the database refused connections');
      assert.ok(Math.abs(value('intertrade_reconcile_last_run_timestamp_seconds') - Date.now() / 1000) < 60);
      assert.equal(value('intertrade_reconcile_last_drift{kind="any",repaired="false"}'), drift.body.drift.length);
      assert.equal(value('intertrade_reconcile_runs_total{outcome="ok"}'), 1);
      assert.equal(value('intertrade_ledger_unanswered'), 0);
      remote.behaviour = 'ok';
    });
  });
  describe('the Stellar network stops answering', () => {
    let stellar: TestNetwork;
    let proxy: Awaited<ReturnType<typeof horizonProxy>>;
    let h: TestHub;
    const WAIT_MS = 1500;

    before(async () => {
      stellar = await startTestNetwork();
      proxy = await horizonProxy(stellar.url);
      h = await startGovernanceHub({
        GOVERNANCE_TOKENS: `admin:${ADMIN}`, STELLAR_HORIZON_URL: proxy.url, STELLAR_NETWORK_PASSPHRASE: stellar.passphrase,
        TRANSFER_WAIT_MS: String(WAIT_MS), STELLAR_CHANNELS: '2',
      }, ADMIN);
      for (const code of ['SDA1', 'SDB1']) {
        assert.equal((await h.call('POST', '/communities', { body: { code, name: code, kind: 'hosted' } })).status, 201);
        for (let i = 0; i < 2; i++) assert.equal((await h.call('POST', `/communities/${code}/accounts`, { body: { creditLimit: '1000', maxBalance: '1000' } })).status, 201);
      }
      assert.equal((await h.call('PUT', '/communities/SDB1/credit-lines/SDA1', { body: { limit: '1000' } })).status, 200);
    });
    after(async () => {
      await proxy?.set('pass');
      await h?.close();
      await proxy?.close();
      await stellar?.close();
    });

    const pay = (payee: string, key: string) =>
      h.call('POST', '/transfers', { body: { payer: 'SDA1/SDA10001', payee, amount: '1' }, headers: { 'idempotency-key': key } });

    it('answers every payment within TRANSFER_WAIT_MS, as recorded and still settling; each is paid exactly once when the network is back', async () => {
      const first = await pay('SDA1/SDA10002', crypto.randomUUID());
      assert.equal(first.status, 201, JSON.stringify(first.body));

      // Under load, blackholed: payments within the community (straight to the submission
      // engine) and across the credit line (a path search first).
      await proxy.set('blackhole');
      const keys = Array.from({ length: 10 }, (_, i) => ({ key: crypto.randomUUID(), payee: i % 2 ? 'SDB1/SDB10001' : 'SDA1/SDA10002' }));
      const answers = await Promise.all(keys.map(async ({ key, payee }) => {
        const t0 = Date.now();
        const r = await pay(payee, key);
        return { r, ms: Date.now() - t0 };
      }));
      for (const { r, ms } of answers) {
        assert.ok(ms < WAIT_MS + 2000, `answered in ${ms} ms, TRANSFER_WAIT_MS is ${WAIT_MS}`);
        assert.equal(r.status, 202, JSON.stringify(r.body));
        assert.ok(['new', 'submitted'].includes(r.body.state), r.body.state);
        assert.equal(r.headers.get('retry-after'), '5');
      }

      const figures = await (await fetch(`${h.hub.url}/metrics`)).text();
      assert.match(figures, /^intertrade_ledger_unanswered [1-9]\d*$/m, 'submissions wait for the network');

      const ready = await fetch(`${h.hub.url}/readyz`);
      assert.equal(ready.status, 503);
      const body = await ready.json() as { checks: { ledger: { ok: boolean; error: string }; database: { ok: boolean } } };
      assert.deepEqual(body.checks.database, { ok: true });
      assert.equal(body.checks.ledger.error, `the Stellar network (Horizon at ${proxy.url}) does not answer: no answer within 3000 ms`);

      // Stopped: refused at once, in words.
      await proxy.set('refuse');
      const refused = await (await fetch(`${h.hub.url}/readyz`)).json() as typeof body;
      assert.match(refused.checks.ledger.error, new RegExp(`^the Stellar network \\(Horizon at ${proxy.url.replace(/\./g, '\\.')}\\) does not answer: connection refused \\(ECONNREFUSED 127\\.0\\.0\\.1:\\d+\\)$`));
      const t0 = Date.now();
      const promptly = { key: crypto.randomUUID(), payee: 'SDB1/SDB10001' };
      const prompt = await pay(promptly.payee, promptly.key);
      assert.ok(Date.now() - t0 < WAIT_MS + 2000, `answered in ${Date.now() - t0} ms`);
      assert.equal(prompt.status, 202, JSON.stringify(prompt.body));
      keys.push(promptly);

      // Back: the same requests, repeated, tell each payment's outcome; none is paid twice.
      await proxy.set('pass');
      for (const { key, payee } of keys) {
        let r = await pay(payee, key);
        for (let i = 0; i < 100 && r.status === 202; i++) {
          await new Promise((res) => setTimeout(res, 200));
          r = await pay(payee, key);
        }
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.state, 'settled');
      }
      const balance = async (a: string) => (await h.call('GET', `/communities/${a.replace('/', '/accounts/')}`)).body.balance;
      // 1 before the outage, then 5 within SDA1 and 5 + 1 across.
      assert.equal(await balance('SDA1/SDA10001'), '-12.0000000');
      assert.equal(await balance('SDA1/SDA10002'), '6.0000000');
      assert.equal(await balance('SDB1/SDB10001'), '6.0000000');
    });
  });
});
