/**
 * Komunitin's JSON:API resources ⇄ the hub's communities, accounts and transfers, and
 * Komunitin's URLs. Amounts on the wire are integers scaled by 10^scale (the
 * currency's `scale`); the hub publishes its communities at SCALE. All conversion goes
 * through src/core/amounts.ts.
 */
import { Account, AmountError, Community, currencyOf, fromScaled, isAmountError, toScaled } from '../../src/core';

/** Scale of the amounts the hub publishes and accepts for its communities. */
export const SCALE = 4;
/** Digits shown after the decimal point (Komunitin's `decimals`). */
export const DECIMALS_SHOWN = 2;

export const MEDIA_TYPE = 'application/vnd.api+json';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const iso = (d: Date | string): string => new Date(d).toISOString();

export const currencyUrl = (base: string, c: Community) => `${base}/${c.code}/currency`;
export const accountUrl = (base: string, c: Community, id: string) => `${base}/${c.code}/accounts/${id}`;
export const transfersUrl = (base: string, c: Community) => `${base}/${c.code}/transfers`;

/**
 * An account URI as given by a member: `https://server/CODE/accounts/ID` or a pay link
 * `https://komunitin.org/pay?t=<account URL>&m=<meaning>&a=<amount>`. Null if neither.
 */
export function parseAccountUri(uri: string): { href: string; meaning?: string; amount?: string } | null {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return null;
  }
  const t = u.searchParams.get('t');
  if (u.pathname.replace(/\/+$/, '').endsWith('/pay') && t) {
    const inner = parseAccountUri(t);
    if (!inner) return null;
    return { href: inner.href, meaning: u.searchParams.get('m') ?? undefined, amount: u.searchParams.get('a') ?? undefined };
  }
  if (!/^https?:$/.test(u.protocol) || !/\/[A-Z0-9]{4}\/accounts\/[^/]+$/.test(u.pathname) || u.search || u.hash) return null;
  return { href: u.toString() };
}

/** The currency of an account URL: `…/CODE/accounts/ID` → `…/CODE/currency`. */
export const currencyUrlOf = (accountHref: string): string => accountHref.slice(0, accountHref.lastIndexOf('/accounts/')) + '/currency';
/** Where the server of an account takes transfers: `…/CODE/transfers`. */
export const transfersUrlOf = (accountHref: string): string => accountHref.slice(0, accountHref.lastIndexOf('/accounts/')) + '/transfers';

/** Wire integer → stroops (exact), or the amount error. */
export function fromWire(value: number, scale: number): bigint | AmountError {
  if (!Number.isSafeInteger(value)) return AmountError.NotANumber;
  return fromScaled(BigInt(value), scale);
}

/** Stroops → wire integer, rounded as asked. */
export function toWire(stroops: bigint, scale: number, rounding: 'down' | 'up'): number {
  return Number(toScaled(stroops, scale, rounding));
}

/** Stroops rounded down to what `scale` can express (what a peer can be told exactly). */
export function truncateToScale(stroops: bigint, scale: number): bigint {
  const r = fromScaled(toScaled(stroops, scale, 'down'), scale);
  return isAmountError(r) ? 0n : r;
}

export function currencyResource(base: string, c: Community) {
  const cur = currencyOf(c);
  return {
    data: {
      type: 'currencies',
      id: c.id,
      attributes: {
        code: c.code,
        status: c.status === 'active' ? 'active' : 'disabled',
        name: c.name,
        namePlural: c.name,
        symbol: c.code.slice(0, 3),
        decimals: DECIMALS_SHOWN,
        scale: SCALE,
        rate: { n: c.rateN, d: c.rateD },
        keys: { ...cur.accounts },
        created: iso(c.createdAt),
        updated: iso(c.updatedAt),
      },
      relationships: {
        accounts: { links: { related: `${base}/${c.code}/accounts` } },
      },
      links: { self: currencyUrl(base, c) },
    },
  };
}

/**
 * An account as Komunitin serves it to anyone: `code` and `key` (the public key the
 * payer's server checks the ledger against), and its currency. Balances and limits
 * are not public.
 */
export function accountResource(base: string, c: Community, id: string, code: string, account: Account) {
  return {
    data: {
      type: 'accounts',
      id,
      attributes: {
        code,
        key: account.publicKey,
        status: account.status === 'active' ? 'active' : 'suspended',
        created: iso(account.createdAt),
        updated: iso(account.updatedAt),
      },
      relationships: {
        currency: { data: { type: 'currencies', id: c.id }, links: { related: currencyUrl(base, c) } },
      },
      links: { self: accountUrl(base, c, id) },
    },
  };
}

/**
 * How a Komunitin server writes a transfer's `attributes.meta`: servers from before June
 * 2025 (community-exchange-network/komunitin before 92ab8334) a plain string, and they
 * refuse anything else; newer ones `{description, …}`, and they refuse a string.
 */
export type MetaForm = 'string' | 'object';

/** A transfer's `meta` in the form `form`. */
export const metaOf = (description: string, form: MetaForm): string | { description: string } =>
  (form === 'string' ? description : { description });

/** The description and the form of a `meta` (schema-checked: a string or `{description}`); absent is ''. */
export function readMeta(meta: string | { description: string } | undefined): { description: string; form?: MetaForm } {
  if (meta === undefined) return { description: '' };
  return typeof meta === 'string' ? { description: meta, form: 'string' } : { description: meta.description, form: 'object' };
}

export interface TransferView {
  id: string;
  state: string;
  /** Wire amount in the currency of the community serving it. */
  amount: number;
  description: string;
  hash: string | null;
  created: Date;
  updated: Date;
  payer: { id: string; href?: string };
  payee: { id: string; href?: string };
}

const link = (p: { id: string; href?: string }) => ({
  data: { type: 'accounts', id: p.id, ...(p.href ? { meta: { external: true, href: p.href } } : {}) },
});

/**
 * A transfer as Komunitin serializes it: the external side as `meta {external, href}`,
 * the description in `form` (the one the reader wrote in, when it wrote).
 */
export function transferResource(base: string, c: Community, t: TransferView, form: MetaForm = 'object') {
  return {
    data: {
      type: 'transfers',
      id: t.id,
      attributes: {
        amount: t.amount,
        meta: metaOf(t.description, form),
        state: t.state,
        hash: t.hash ?? undefined,
        created: iso(t.created),
        updated: iso(t.updated),
      },
      relationships: { payer: link(t.payer), payee: link(t.payee), currency: { data: { type: 'currencies', id: c.id } } },
      links: { self: `${transfersUrl(base, c)}/${t.id}` },
    },
  };
}
