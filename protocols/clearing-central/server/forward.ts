/**
 * Clearing Central → the buyer's data_url: the transaction as the original forwards it
 * (form body for `post`, the same as a query string for `get`, its field order,
 * descriptions HTML-escaped), with an overall timeout (the original has none) and a
 * bounded reply. The reply is read into a map and only `response`, `buyer_name` and
 * `buyer_email` are used (the original lets any key overwrite its variables).
 * Outcomes: an answer with a code; `timeout` (14; once sent, the buyer may have it, so
 * it is undone there); `unreachable` (15: refused, no such host: it never got it);
 * `garbage` (no code: undone too).
 */
import http from 'node:http';
import https from 'node:https';
import { readForm } from '../form';
import { RequestFormat } from './registry';

export type ForwardOutcome =
  | { kind: 'answer'; code: number; buyerName: string; buyerEmail: string }
  /** 14; `reached`: it was sent, so the buyer may have it (it is undone there). */
  | { kind: 'timeout'; reached: boolean; reason: string }
  | { kind: 'unreachable' | 'garbage'; reason: string };

export interface Forwarder {
  forward(url: string, format: RequestFormat, fields: Array<[string, string]>): Promise<ForwardOutcome>;
}

export const htmlEscape = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#039;');

const encode = (fields: Array<[string, string]>) => fields.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');

export function createForwarder(opts: { timeoutMs: number; maxResponseBytes: number }): Forwarder {
  // Keep-alive: one buyer receives many forwards, and a new connection each costs more than the forward.
  const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 128, timeout: 4000 }), https: new https.Agent({ keepAlive: true, maxSockets: 128, timeout: 4000 }) };
  return {
    forward(url, format, fields) {
      const body = encode(fields);
      let target: URL;
      try {
        target = new URL(format === 'get' ? `${url}${url.includes('?') ? '&' : '?'}${body}` : url);
      } catch {
        return Promise.resolve({ kind: 'unreachable', reason: `data_url ${url} is not a URL` });
      }
      const lib = target.protocol === 'https:' ? https : http;
      return new Promise<ForwardOutcome>((resolve) => {
        let done = false;
        const finish = (o: ForwardOutcome) => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          resolve(o);
        };
        let connected = false;
        const req = lib.request(target, {
          method: format === 'get' ? 'GET' : 'POST',
          agent: target.protocol === 'https:' ? agents.https : agents.http,
          headers: format === 'get' ? {} : { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) },
        }, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > opts.maxResponseBytes) {
              req.destroy();
              finish({ kind: 'garbage', reason: `reply over ${opts.maxResponseBytes} bytes` });
            } else chunks.push(c);
          });
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8').trim();
            const f = readForm(text);
            const code = f.get('response') ?? '';
            // HTTP status is ignored, as the original does (the Drupal 7 client answers 201).
            if (!/^\d{1,2}$/.test(code)) return finish({ kind: 'garbage', reason: `no response code in ${JSON.stringify(text.slice(0, 80))}` });
            finish({ kind: 'answer', code: Number(code), buyerName: (f.get('buyer_name') ?? '').slice(0, 255), buyerEmail: (f.get('buyer_email') ?? '').slice(0, 255) });
          });
          res.on('error', (err) => finish({ kind: 'timeout', reached: true, reason: err.message }));
        });
        req.on('socket', (s) => {
          if (!s.connecting) connected = true;
          else s.once('connect', () => { connected = true; });
        });
        const timer = setTimeout(() => {
          req.destroy();
          // Never connected: the buyer cannot have it. Connected: it may have it (undo there).
          finish({ kind: 'timeout', reached: connected, reason: `no reply within ${opts.timeoutMs} ms` });
        }, opts.timeoutMs);
        req.on('error', (err) => finish(connected ? { kind: 'timeout', reached: true, reason: err.message } : { kind: 'unreachable', reason: err.message }));
        req.end(format === 'get' ? undefined : body);
      });
    },
  };
}
