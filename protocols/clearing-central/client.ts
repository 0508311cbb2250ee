/**
 * The hub as a seller exchange at Clearing Central: one POST of txinput.php per
 * attempt, form-encoded, with an overall timeout (the original server has none of its
 * own) and a bounded answer. The answer is read into a map, tolerantly (the original
 * leaves success values unencoded), and only `response` (and `amount`, for the log)
 * is looked at. An answer that says nothing — a timeout, a refused connection, an
 * empty or HTML body, a `response` that is not a code — is `lost`: the bill may or
 * may not be at Clearing Central, and the caller must not say either.
 */
import { readForm } from './form';

export type TxinputAnswer =
  | { kind: 'answer'; code: number; fields: Map<string, string> }
  | { kind: 'lost'; reason: string };

export interface CcClient {
  txinput(baseUrl: string, fields: Array<[string, string]>): Promise<TxinputAnswer>;
}

export function createCcClient(opts: { timeoutMs: number; maxResponseBytes: number }): CcClient {
  return {
    async txinput(baseUrl, fields) {
      const body = new URLSearchParams(fields).toString();
      let text: string;
      try {
        const res = await fetch(`${baseUrl}/txinput.php`, {
          method: 'POST', body, redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          signal: AbortSignal.timeout(opts.timeoutMs),
        });
        text = await readBounded(res, opts.maxResponseBytes);
      } catch (err) {
        return { kind: 'lost', reason: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
      }
      const f = readForm(text.trim());
      const code = f.get('response') ?? '';
      if (!/^\d{1,2}$/.test(code)) return { kind: 'lost', reason: `no response code in the answer (${JSON.stringify(text.slice(0, 80))})` };
      return { kind: 'answer', code: Number(code), fields: f };
    },
  };
}

/** The body, refused past `max` bytes (the rest is not read). */
async function readBounded(res: Response, max: number): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel();
      throw new Error(`answer over ${max} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
