/**
 * Every call this hub makes to a Komunitin peer goes through here, with the same
 * safety rules: https only outside development; no private, loopback or link-local
 * address unless its host is allowlisted (development allows them: peers on one
 * machine); no redirects (they could lead anywhere); a time limit from connection to
 * last byte, and a size limit on the answer, which is read as a stream and cut short.
 */
import dns from 'node:dns/promises';
import net from 'node:net';
import { KomunitinConfig } from '../../src/config';

export class OutboundError extends Error {
  constructor(message: string, readonly retryable: boolean) {
    super(message);
    this.name = 'OutboundError';
  }
}

export interface PeerAnswer {
  status: number;
  text: string;
  /** The body as JSON, or undefined if it is not JSON. */
  json: unknown;
}

const PRIVATE = new net.BlockList();
for (const [a, p] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) PRIVATE.addSubnet(a, p, 'ipv4');
for (const [a, p] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) PRIVATE.addSubnet(a, p, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const v4mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (v4mapped) return PRIVATE.check(v4mapped[1], 'ipv4');
  return PRIVATE.check(address, net.isIPv6(address) ? 'ipv6' : 'ipv4');
}

export interface Outbound {
  /** Refuse a URL this hub must not call (not https, or a private address). */
  check(url: string): Promise<URL>;
  request(method: 'GET' | 'POST' | 'PATCH', url: string, opts?: { body?: unknown; token?: string }): Promise<PeerAnswer>;
}

export function createOutbound(policy: KomunitinConfig): Outbound {
  const check = async (raw: string): Promise<URL> => {
    let u: URL;
    try {
      u = new URL(raw);
    } catch {
      throw new OutboundError(`${raw} is not a URL`, false);
    }
    if (u.protocol !== 'https:' && !(policy.dev && u.protocol === 'http:')) {
      throw new OutboundError(`${u.origin}: only https URLs are allowed${policy.dev ? '' : ' (KOMUNITIN_DEV is off)'}`, false);
    }
    if (u.username || u.password) throw new OutboundError('URLs with credentials are not allowed', false);
    const host = u.hostname.replace(/^\[|\]$/g, '').toLowerCase();
    if (policy.dev || policy.allowedHosts.includes(host)) return u;
    let addresses: string[];
    try {
      addresses = net.isIP(host) ? [host] : (await dns.lookup(host, { all: true })).map((a) => a.address);
    } catch {
      throw new OutboundError(`${host} does not resolve`, true);
    }
    const bad = addresses.find(isPrivateAddress);
    if (bad) throw new OutboundError(`${host} resolves to ${bad}, a private or loopback address; allow it in KOMUNITIN_ALLOWED_HOSTS if it is a trusted peer`, false);
    return u;
  };

  return {
    check,
    async request(method, url, opts = {}) {
      const u = await check(url);
      const signal = AbortSignal.timeout(policy.timeoutMs);
      let res: Response;
      try {
        res = await fetch(u, {
          method,
          redirect: 'manual',
          signal,
          headers: {
            accept: 'application/vnd.api+json',
            ...(opts.body !== undefined ? { 'content-type': 'application/vnd.api+json' } : {}),
            ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
          },
          body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        });
      } catch (err) {
        const e = err as Error;
        throw new OutboundError(e.name === 'TimeoutError' ? `${u.origin} did not answer within ${policy.timeoutMs} ms` : `${u.origin} unreachable: ${(e.cause as Error | undefined)?.message ?? e.message}`, true);
      }
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel();
        throw new OutboundError(`${u.origin} answered with a redirect (${res.status}), which is not followed`, false);
      }
      // Read at most maxResponseBytes, whatever Content-Length claims.
      const chunks: Uint8Array[] = [];
      let size = 0;
      try {
        if (res.body) {
          const reader = res.body.getReader();
          for (;;) {
            const { done, value } = await reader.read();
            if (done) break;
            size += value.byteLength;
            if (size > policy.maxResponseBytes) {
              await reader.cancel();
              throw new OutboundError(`${u.origin} answered more than ${policy.maxResponseBytes} bytes`, false);
            }
            chunks.push(value);
          }
        }
      } catch (err) {
        if (err instanceof OutboundError) throw err;
        throw new OutboundError(`${u.origin}: answer cut short: ${(err as Error).message}`, true);
      }
      const text = Buffer.concat(chunks).toString('utf8');
      let json: unknown;
      try {
        json = text ? JSON.parse(text) : undefined;
      } catch {
        json = undefined;
      }
      return { status: res.status, text, json };
    },
  };
}
