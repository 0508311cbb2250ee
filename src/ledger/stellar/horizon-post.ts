/**
 * POST /transactions to Horizon over a kept-alive connection: the submission engine's
 * one call per envelope. The SDK's `submitTransaction` does the same through axios,
 * re-encodes the envelope it was given and decodes offer results the hub never reads;
 * measured in `npm run bench`, that was a tenth of the hub's CPU at 100 payments/s.
 * Everything else (accounts, offers, paths, transaction look-ups) still goes through
 * the SDK's Horizon client.
 */
import http from 'node:http';
import https from 'node:https';

export interface HorizonAnswer {
  status: number;
  /** Horizon's JSON: the transaction resource (200) or a problem (4xx/5xx). */
  body: HorizonSubmitBody;
}

export interface HorizonSubmitBody {
  hash?: string;
  ledger?: number;
  result_xdr?: string;
  extras?: { result_codes?: { transaction?: string; inner_transaction?: string; operations?: string[] }; result_xdr?: string };
}

/** Send one envelope; rejects when there is no answer (network, timeout): outcome unknown. */
export type PostTransaction = (envelopeXdr: string) => Promise<HorizonAnswer>;

export function horizonPoster(horizonUrl: string, opts: { timeoutMs?: number } = {}): PostTransaction {
  const url = new URL('transactions', horizonUrl.endsWith('/') ? horizonUrl : `${horizonUrl}/`);
  const secure = url.protocol === 'https:';
  const agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  // Horizon answers 504 itself after its own submission timeout (30 s); this is beyond it.
  const timeoutMs = opts.timeoutMs ?? 65_000;
  return (envelopeXdr) => new Promise((resolve, reject) => {
    const body = `tx=${encodeURIComponent(envelopeXdr)}`;
    const req = (secure ? https : http).request(url, {
      method: 'POST', agent, timeout: timeoutMs,
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body), accept: 'application/json' },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) as HorizonSubmitBody });
        } catch {
          reject(new Error(`Horizon answered ${res.statusCode} without JSON`));
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from Horizon within ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
