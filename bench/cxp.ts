/**
 * CXP end to end: really=true try transactions from an exchange's Hawk client to the
 * hub over HTTP — Hawk check and nonce, validation, the transfer (database, devnet path
 * payment) and the relay, Hawk-signed, to the receiving exchange's local server, whose
 * Server-Authorization is verified — answered OK once the remote has it.
 *
 *  1. sustained: BENCH_CXP_CONCURRENCY tries in flight for BENCH_CXP_SECONDS;
 *  2. at a fixed rate of 100 requests/s (open loop) for BENCH_CXP_RATE_SECONDS: p50/p99.
 *
 * A whole hub (embedded devnet with instant ledgers; embedded database, or a fresh
 * database on DATABASE_URL), removed at the end.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { startGovernanceHub, token } from '../test/governance/api';
import { approveExchange, cxpClient, startFakeExchange } from '../test/protocols/cxp/helpers';

const env = (name: string, fallback: number): number => {
  const v = process.env[name];
  return v && /^\d+$/.test(v) ? Number(v) : fallback;
};
const CONCURRENCY = env('BENCH_CXP_CONCURRENCY', 100);
const SECONDS = env('BENCH_CXP_SECONDS', 15);
const RATE = 100;
const RATE_SECONDS = env('BENCH_CXP_RATE_SECONDS', 10);
const WARMUP = 200;

const log = (s: string) => process.stdout.write(`${s}\n`);
const pct = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const ms = (x: number) => `${x.toFixed(1)} ms`;

export async function benchCxp(): Promise<void> {
  const admin = token();
  const h = await startGovernanceHub({ GOVERNANCE_TOKENS: `admin:${admin}`, LOG_LEVEL: 'silent' }, admin);
  const remote = await startFakeExchange();
  try {
    log(`CXP benchmark — ${os.availableParallelism()} cores, node ${process.version}, database: ${h.tdb.databaseUrl ? 'PostgreSQL server' : 'embedded PostgreSQL (PGlite)'}, devnet: instant ledgers`);
    const SITE = 'bench-lets.example';
    const A = await approveExchange(h, { code: 'BNCA', name: 'Bench A', uri: `http://${SITE}`, creditLimit: '10000000', maxBalance: '10000000' });
    const B = await approveExchange(h, { code: 'BNCB', name: 'Bench B', uri: remote.uri, creditLimit: '10000000', maxBalance: '10000000' });
    remote.creds = B.creds;
    const line = await h.call('PUT', '/communities/BNCB/credit-lines/BNCA', { body: { limit: '10000000' } });
    if (line.status !== 200) throw new Error(`credit line: ${JSON.stringify(line.body)}`);
    const client = cxpClient(h.hub.url, A.creds);
    let seq = 0;
    const one = async (): Promise<{ ok: boolean; ms: number; code: unknown }> => {
      const i = seq++;
      const t0 = performance.now();
      const r = await client.try({
        payer: `m${i % 50}@${SITE}`, payer_url: SITE, payee: 'bob@receiver', payee_url: remote.uri, src_url: SITE, dest_url: remote.uri,
        quantity: 0.01, description: 'bench', really: true, temp_id: `bench-${i}`,
      });
      return { ok: r.status === 200 && r.body.code === 'OK' && r.verified, ms: performance.now() - t0, code: r.body?.code };
    };
    const tally = (rs: Array<{ ok: boolean; code: unknown }>) => {
      const other = new Map<string, number>();
      for (const r of rs) if (!r.ok) other.set(String(r.code), (other.get(String(r.code)) ?? 0) + 1);
      return [...other].map(([k, v]) => `code ${k} ×${v}`).join(', ') || 'none';
    };

    // Warm-up: routes, keys and connections.
    await Promise.all(Array.from({ length: 20 }, async () => { while (seq < WARMUP) await one(); }));
    await h.hub.rebalancer.idle();

    log('');
    log(`1. Sustained: ${CONCURRENCY} tries in flight for ${SECONDS} s (each 0.01 HOUR, A → B, relayed to B's server)`);
    const results: Array<{ ok: boolean; ms: number; code: unknown }> = [];
    const deadline = performance.now() + SECONDS * 1000;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) results.push(await one());
    }));
    const elapsed = (performance.now() - t0) / 1000;
    const ok = results.filter((r) => r.ok);
    const lat = ok.map((r) => r.ms).sort((x, y) => x - y);
    log(`  ${ok.length} transfers paid and relayed in ${elapsed.toFixed(1)} s (not OK: ${tally(results)})`);
    log(`  throughput: ${(ok.length / elapsed).toFixed(0)} transfers/s   (target ≥ 500)`);
    log(`  latency: p50 ${ms(pct(lat, 50))}, p99 ${ms(pct(lat, 99))}`);
    log(`  relays received by B: ${remote.written.size} (one per transfer)`);
    await h.hub.rebalancer.idle();

    log('');
    log(`2. Fixed rate: ${RATE} requests/s for ${RATE_SECONDS} s (open loop)`);
    const paced: Array<Promise<{ ok: boolean; ms: number; code: unknown }>> = [];
    const start = performance.now();
    for (let i = 0; i < RATE * RATE_SECONDS; i++) {
      const due = start + (i * 1000) / RATE;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      paced.push(one());
    }
    const rs = await Promise.all(paced);
    const lat2 = rs.filter((r) => r.ok).map((r) => r.ms).sort((x, y) => x - y);
    log(`  ${lat2.length}/${rs.length} OK (not OK: ${tally(rs)})`);
    log(`  latency: p50 ${ms(pct(lat2, 50))}, p99 ${ms(pct(lat2, 99))}, max ${ms(lat2[lat2.length - 1])}   (target p99 ≤ 100 ms)`);
  } finally {
    await remote.stop();
    await h.close();
  }
}

if (require.main === module) {
  benchCxp().then(() => process.exit(0), (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
