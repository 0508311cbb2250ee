/**
 * Clearing Central and a CES exchange's client, emulated from the wire reference
 * (../shared/reference/clearing-central-wire.md), byte for byte where it matters:
 *
 * - `startClearingCentral()`: txinput.php with the original's order of checks (repeat 6
 *   before authentication, 3, 10, 11 against one exact server_ip, 7, 8), its rounding
 *   to 2 decimals between different rates, its forward to the buyer's data_url as a
 *   form (post) or a query (get) in the original's field order, an edit forwarding only
 *   the first five fields, and its replies to the seller: HTTP 200, values unencoded in
 *   the success body. `forward()` sends a forward directly (a repeat the original would
 *   have answered 6 itself, a txid of the test's choosing).
 * - `cesClient()`: a seller exchange posting txinput.php like the Drupal 8 client (all
 *   fields in the query string, empty body) or the Drupal 7 one (a form body), parsing
 *   the reply tolerantly into a map.
 */
import http from 'node:http';

export interface CcExchangeRecord {
  nid: string;
  name: string;
  country: string;
  password: string;
  serverIp: string;
  dataUrl: string;
  requestFormat: 'post' | 'get';
  convRate: string;
}

interface StoredTx { description: string; amount: string; sellerNid: string; buyerNid: string; response: string }

export interface ClearingCentral {
  url: string;
  exchanges: Map<string, CcExchangeRecord>;
  txs: Map<string, StoredTx>;
  /** The buyer's raw answers, in order (status, body). */
  answers: Array<{ status: number; body: string }>;
  /** Send one forward to a buyer's data_url, as txinput.php would. */
  forward(buyer: CcExchangeRecord, fields: Array<[string, string]>): Promise<{ status: number; body: string; fields: Map<string, string> }>;
  stop(): Promise<void>;
}

/** PHP parse_str, tolerantly: values as given when they do not decode. */
export function parseStr(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split('&')) {
    if (!part) continue;
    const i = part.indexOf('=');
    const dec = (s: string) => { try { return decodeURIComponent(s.replace(/\+/g, ' ')); } catch { return s; } };
    out.set(dec(i < 0 ? part : part.slice(0, i)), dec(i < 0 ? '' : part.slice(i + 1)));
  }
  return out;
}

const enc = (fields: Array<[string, string]>) => fields.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
/** The original writes success bodies without encoding their values. */
const raw = (fields: Array<[string, string]>) => fields.map(([k, v]) => `${k}=${v}`).join('&');
const htmlEscape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#039;');

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

export async function startClearingCentral(opts: { forwardTimeoutMs?: number } = {}): Promise<ClearingCentral> {
  const exchanges = new Map<string, CcExchangeRecord>();
  const txs = new Map<string, StoredTx>();
  const answers: Array<{ status: number; body: string }> = [];

  const forward: ClearingCentral['forward'] = async (buyer, fields) => {
    const body = enc(fields);
    const url = buyer.requestFormat === 'get' ? `${buyer.dataUrl}?${body}` : buyer.dataUrl;
    const res = await fetch(url, {
      method: buyer.requestFormat === 'get' ? 'GET' : 'POST',
      ...(buyer.requestFormat === 'get' ? {} : { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }),
      signal: AbortSignal.timeout(opts.forwardTimeoutMs ?? 30000),
    });
    const text = await res.text();
    answers.push({ status: res.status, body: text });
    return { status: res.status, body: text, fields: parseStr(text) };
  };

  const txinput = async (ip: string, f: Map<string, string>): Promise<string> => {
    const get = (k: string) => f.get(k) ?? '';
    let txid = get('txid');
    const description = htmlEscape(get('description'));
    const amount = get('amount');
    const known = txid ? txs.get(txid) : undefined;
    // 1. The repeat check runs before authentication, also for a failed attempt.
    if (known && known.description === description && Number(known.amount) === Number(amount)) return raw([['response', '6'], ['txid', txid]]);
    const sellerNid = known ? known.sellerNid : get('seller_nid').toLowerCase();
    const buyerNid = known ? known.buyerNid : get('buyer_nid').toLowerCase();
    const buyer = exchanges.get(buyerNid);
    if (!known && !buyer) return raw([['response', '3'], ['txid', txid], ['buyer_nid', buyerNid]]);
    if (!txid) txid = `${sellerNid.slice(3)}${buyerNid.slice(3)}${Date.now()}000`;
    const seller = exchanges.get(sellerNid);
    if (!seller || !seller.password || seller.password !== get('password')) return raw([['response', '10'], ['txid', txid]]);
    if (ip.replace(/^::ffff:/, '') !== seller.serverIp) return raw([['response', '11'], ['txid', txid]]);
    if (!buyer!.dataUrl) return raw([['response', '7'], ['txid', txid], ['buyer_nid', buyerNid]]);
    if (seller.convRate !== buyer!.convRate && (Number(seller.convRate) === 0 || Number(buyer!.convRate) === 0)) return raw([['response', '8'], ['txid', txid]]);
    const buyerAmount = seller.convRate === buyer!.convRate ? amount : String(Math.round(Number(amount) * Number(buyer!.convRate) / Number(seller.convRate) * 100) / 100);
    const stored: StoredTx = { description, amount, sellerNid, buyerNid, response: '' };
    txs.set(txid, stored);
    const fields: Array<[string, string]> = [['txid', txid], ['buyer_nid', buyerNid], ['seller_nid', sellerNid], ['description', description], ['amount', buyerAmount]];
    if (!known) {
      fields.push(['seller_xname', seller.name], ['seller_country', seller.country], ['seller_id', get('seller_id')],
        ['seller_name', get('seller_name')], ['seller_email', get('seller_email')], ['buyer_id', get('buyer_id')]);
    }
    let reply: Map<string, string>;
    try {
      reply = (await forward(buyer!, fields)).fields;
    } catch {
      return raw([['response', '14'], ['txid', txid]]);
    }
    const code = reply.get('response') ?? '';
    stored.response = code;
    if (code === '1') {
      if (known) return raw([['txid', txid], ['response', '1']]);
      return raw([['txid', txid], ['response', '1'], ['buyer_nid', buyerNid], ['buyer_xname', buyer!.name], ['buyer_country', buyer!.country],
        ['buyer_id', get('buyer_id')], ['buyer_name', reply.get('buyer_name') ?? ''], ['buyer_email', reply.get('buyer_email') ?? ''],
        ['seller_nid', sellerNid], ['seller_id', get('seller_id')], ['description', description], ['amount', amount]]);
    }
    if (code === '2') return raw([['txid', txid], ['response', '2'], ['buyer_id', get('buyer_id')], ['buyer_xname', buyer!.name]]);
    return raw([['txid', txid], ['response', code], ['buyer_nid', buyerNid]]);
  };

  const server = http.createServer((req, res) => {
    void (async () => {
      const body = await readBody(req);
      const url = new URL(req.url ?? '/', 'http://cc');
      const f = parseStr(url.search.slice(1));
      for (const [k, v] of parseStr(body)) f.set(k, v);
      const text = url.pathname.endsWith('/txinput.php') ? await txinput(req.socket.remoteAddress ?? '', f) : 'not found';
      res.writeHead(200, { 'content-type': 'text/html; charset=UTF-8' });
      res.end(text);
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    exchanges, txs, answers, forward,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

export interface CesClient {
  /** A seller's new bill (or edit, by re-sending a txid); the reply as a map. */
  bill(fields: Record<string, string>, style?: 'drupal8' | 'drupal7'): Promise<Map<string, string>>;
}

export function cesClient(ccUrl: string, seller: { nid: string; password: string }): CesClient {
  return {
    async bill(fields, style = 'drupal8') {
      const all = enc(Object.entries({ seller_nid: seller.nid, password: seller.password, ...fields }));
      const url = `${ccUrl}/txinput.php${style === 'drupal8' ? `?${all}` : ''}`;
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: style === 'drupal8' ? '' : all,
      });
      return parseStr(await res.text());
    },
  };
}
