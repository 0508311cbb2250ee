/**
 * The exchanges' side of the CXP benchmark, in a process of its own (as they are on
 * their own servers): exchange A's Hawk client, which sends the try transactions, and
 * exchange B's server, which receives the hub's relays. Run by bench/cxp.ts and driven
 * over IPC, so their work (Hawk on both ends, HTTP) does not run on the hub's thread.
 *
 * Messages in: start {hubUrl, site, payeeUri?}, creds {a, b}, run {mode, ...}, stop.
 * Messages out: ready {uri}, done {results, written}.
 */
import { performance } from 'node:perf_hooks';
import { LoadResult, LoadRun, drive } from './load';
import { Credentials, FakeExchange, cxpClient, startFakeExchange } from '../test/protocols/cxp/helpers';

export type TryResult = LoadResult;

export type ExchangesCommand =
  | { type: 'start'; hubUrl: string; site: string }
  | { type: 'creds'; a: Credentials; b: Credentials }
  | LoadRun
  | { type: 'stop' };

export type ExchangesReply =
  | { type: 'ready'; uri: string }
  | { type: 'done'; results: TryResult[]; written: number };

let remote: FakeExchange | null = null;
let hubUrl = '';
let site = '';
let client: ReturnType<typeof cxpClient> | null = null;
let seq = 0;

const reply = (m: ExchangesReply) => process.send!(m);

async function one(): Promise<TryResult> {
  const i = seq++;
  const t0 = performance.now();
  try {
    const r = await client!.try({
      payer: `m${i % 50}@${site}`, payer_url: site, payee: 'bob@receiver', payee_url: remote!.uri, src_url: site, dest_url: remote!.uri,
      quantity: 0.01, description: 'bench', really: true, temp_id: `bench-${i}`,
    });
    return { ok: r.status === 200 && r.body?.code === 'OK' && r.verified, ms: performance.now() - t0, code: String(r.body?.code ?? r.status) };
  } catch (err) {
    return { ok: false, ms: performance.now() - t0, code: `network: ${(err as Error).message}` };
  }
}

async function run(c: Extract<ExchangesCommand, { type: 'run' }>): Promise<TryResult[]> {
  return drive(c, one);
}

process.on('message', (m: ExchangesCommand) => {
  void (async () => {
    if (m.type === 'start') {
      hubUrl = m.hubUrl;
      site = m.site;
      remote = await startFakeExchange();
      reply({ type: 'ready', uri: remote.uri });
    } else if (m.type === 'creds') {
      remote!.creds = m.b;
      client = cxpClient(hubUrl, m.a);
    } else if (m.type === 'run') {
      const results = await run(m);
      reply({ type: 'done', results, written: remote!.written.size });
    } else {
      await remote?.stop();
      process.exit(0);
    }
  })().catch((err: unknown) => {
    process.stderr.write(`exchanges failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
});
process.on('disconnect', () => process.exit(0));
