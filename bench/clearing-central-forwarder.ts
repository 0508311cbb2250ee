/**
 * Clearing Central's side of the Clearing Central benchmark, in a process of its own
 * (as it is on its own server): it forwards CES members' bills to the hub's data_url
 * the way txinput.php does — a form POST, the original's field order, one fresh txid
 * each — over keep-alive connections, and reads the url-encoded answers.
 *
 * Messages in: start {dataUrl}, run {mode, ...}, stop. Messages out: ready, done {results}.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { LoadResult, LoadRun, drive } from './load';

export type ForwardResult = LoadResult;

export type ForwarderCommand =
  | { type: 'start'; dataUrl: string; buyerNid: string; sellerNid: string; buyerId: string }
  | LoadRun
  | { type: 'stop' };

export type ForwarderReply = { type: 'ready' } | { type: 'done'; results: ForwardResult[] };

// Idle sockets are let go before the hub's server would close them (node's keepAliveTimeout,
// 5 s): reusing one the server is closing at that moment is an ECONNRESET the hub never saw.
const agent = new http.Agent({ keepAlive: true, maxSockets: 256, timeout: 4000 });
let target: Extract<ForwarderCommand, { type: 'start' }> | null = null;
let seq = 0;
const run0 = `${process.pid}-${Date.now()}`;

const reply = (m: ForwarderReply) => process.send!(m);

function post(url: URL, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'POST', agent,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function one(): Promise<ForwardResult> {
  const t = target!;
  const i = seq++;
  const body = new URLSearchParams([
    ['txid', `bench-${run0}-${i}`], ['buyer_nid', t.buyerNid], ['seller_nid', t.sellerNid], ['description', 'bench &amp; co'], ['amount', '0.01'],
    ['seller_xname', 'Bench CES'], ['seller_country', 'ZA'], ['seller_id', `ZA${i % 50}`], ['seller_name', 'Seller'], ['seller_email', 's@ces.example'],
    ['buyer_id', t.buyerId],
  ]).toString();
  const t0 = performance.now();
  try {
    const text = await post(new URL(t.dataUrl), body);
    const code = new URLSearchParams(text).get('response') ?? '?';
    return { ok: code === '1', ms: performance.now() - t0, code };
  } catch (err) {
    return { ok: false, ms: performance.now() - t0, code: `network: ${(err as Error).message}` };
  }
}

async function run(c: Extract<ForwarderCommand, { type: 'run' }>): Promise<ForwardResult[]> {
  return drive(c, one);
}

process.on('message', (m: ForwarderCommand) => {
  void (async () => {
    if (m.type === 'start') {
      target = m;
      reply({ type: 'ready' });
    } else if (m.type === 'run') {
      reply({ type: 'done', results: await run(m) });
    } else {
      agent.destroy();
      process.exit(0);
    }
  })().catch((err: unknown) => {
    process.stderr.write(`forwarder failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
});
process.on('disconnect', () => process.exit(0));
