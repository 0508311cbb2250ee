/**
 * Peer servers as the hub knows them. An account URL resolves to the account's public
 * key and its currency (fetched unauthenticated, validated, kept for a TTL, as
 * Komunitin does: accounting/src/controller/external-resource-controller.ts); the
 * currency becomes a `peer` community of the hub (no keys: its own server keeps it) and
 * the account a `remote` account in it, both registered on first sight. A peer's rate
 * and name are followed when fetched again; its ledger keys never change (a currency
 * with other keys is another currency, refused).
 */
import crypto from 'node:crypto';
import { Account, AccountService, Community, CommunityError, CommunityService, CurrencyAccounts, isAccountError, isCommunityError } from '../../src/core';
import { Database } from '../../src/db/database';
import { Outbound, OutboundError } from './client';
import { AccountDoc, CurrencyDoc, accountDocument, currencyDocument, validate } from './schemas';
import { MetaForm, currencyUrlOf } from './translate';

export interface PeerCurrency {
  url: string;
  code: string;
  scale: number;
  community: Community;
}

export interface RemoteAccount {
  href: string;
  /** The account's id at its server. */
  id: string;
  code: string;
  key: string;
  account: Account;
  currency: PeerCurrency;
}

/** A peer could not be resolved: its URL is refused, it did not answer, or it answered nonsense. */
export class ResolveError extends Error {
  constructor(message: string, readonly retryable: boolean) {
    super(message);
    this.name = 'ResolveError';
  }
}

export interface PeerDirectory {
  /** The account at `href` and its currency, registered here (fetched unless cached). */
  resolve(href: string): Promise<RemoteAccount>;
  /** A peer account already registered under this URL (no fetch). */
  known(communityId: string, href: string): Promise<{ accountId: string; key: string } | null>;
  /** The peer currency registered under this URL, fetched and registered if new. */
  currency(url: string): Promise<PeerCurrency>;
  /** How the server of this currency writes a transfer's `meta`, as last seen ('object' if never). */
  metaForm(currencyUrl: string): Promise<MetaForm>;
  /** The server of this currency writes (or takes) `meta` so: remembered for what the hub sends it. */
  learnMetaForm(currencyUrl: string, form: MetaForm): Promise<void>;
}

export function createPeerDirectory(deps: {
  db: Database; communities: CommunityService; accounts: AccountService; outbound: Outbound; ttlMs: number; actor: string;
}): PeerDirectory {
  const { db, outbound } = deps;
  const cache = new Map<string, { until: number; value: unknown }>();
  /** The meta form of each peer currency, as stored (small: one entry per peer currency). */
  const forms = new Map<string, MetaForm>();
  /** One registration per URL at a time: two first sights must not make two communities. */
  const busy = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const running = busy.get(key) as Promise<T> | undefined;
    if (running) return running;
    const task = fn().finally(() => busy.delete(key));
    busy.set(key, task);
    return task;
  };
  const cached = <T>(key: string, fn: () => Promise<T>): Promise<T> => {
    const hit = cache.get(key);
    if (hit && hit.until > Date.now()) return Promise.resolve(hit.value as T);
    return once(key, async () => {
      const value = await fn();
      cache.set(key, { until: Date.now() + deps.ttlMs, value });
      return value;
    });
  };

  const fetchDoc = async <T>(url: string, schema: object, what: string): Promise<T> => {
    let answer;
    try {
      answer = await outbound.request('GET', url);
    } catch (err) {
      if (err instanceof OutboundError) throw new ResolveError(`${what} ${url}: ${err.message}`, err.retryable);
      throw err;
    }
    if (answer.status === 404) throw new ResolveError(`${what} ${url} does not exist (404)`, false);
    if (answer.status !== 200) throw new ResolveError(`${what} ${url} answered ${answer.status}`, answer.status >= 500);
    try {
      return validate<T>(schema, answer.json, `${what} ${url}`);
    } catch (err) {
      throw new ResolveError((err as Error).message, false);
    }
  };

  /** A code for the peer here: its own, or (taken) one derived from its URL. */
  const codes = function* (own: string, url: string) {
    yield own;
    const h = crypto.createHash('sha256').update(url).digest();
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
    for (let i = 0; i < 8; i++) yield `P${[1, 2, 3].map((j) => alphabet[h[i * 3 + j] % 36]).join('')}`;
  };

  const registerCurrency = async (url: string, doc: CurrencyDoc): Promise<PeerCurrency> => {
    const a = doc.data.attributes;
    const ledgerAccounts: CurrencyAccounts = {
      issuer: a.keys.issuer, externalIssuer: a.keys.externalIssuer,
      credit: a.keys.credit ?? '', admin: a.keys.admin ?? '', externalTrader: a.keys.externalTrader ?? '',
    };
    const row = await db.hub(async (trx) => trx('komunitin_peers').where({ currency_url: url }).first());
    let community: Community;
    if (row) {
      const c = await deps.communities.getById(row.community_id);
      if (isCommunityError(c)) throw new Error(`peer ${url} names unknown community ${row.community_id}`);
      const known = c.ledgerAccounts as CurrencyAccounts;
      if (known.issuer !== a.keys.issuer || known.externalIssuer !== a.keys.externalIssuer) {
        throw new ResolveError(`currency ${url} now publishes other ledger keys than when it was registered; a person must look at it`, false);
      }
      const r = await deps.communities.refreshPeer(c.id, { rate: a.rate, name: a.name ?? a.code }, deps.actor);
      if (isCommunityError(r)) throw new ResolveError(`currency ${url}: ${r}`, false);
      community = r;
      await db.hub(async (trx) => trx('komunitin_peers').where({ currency_url: url })
        .update({ scale: a.scale, resource: JSON.stringify(doc.data), fetched_at: new Date() }));
    } else {
      // A currency of this very hub (or one already known under another URL) is not a new peer.
      const clash = (await deps.communities.list()).find((c) => (c.ledgerAccounts as Partial<CurrencyAccounts>).issuer === a.keys.issuer);
      if (clash) throw new ResolveError(`currency ${url} is ${clash.code}, already known to this hub${clash.kind === 'peer' ? ' under another URL' : ''}`, false);
      let created: Community | CommunityError = CommunityError.DuplicateCode;
      for (const code of codes(a.code, url)) {
        created = await deps.communities.registerPeer({ code, name: a.name ?? a.code, rate: a.rate, assetCode: a.code, ledgerAccounts }, deps.actor);
        if (created !== CommunityError.DuplicateCode) break;
        // Another hub process on this database may be registering this very currency now
        // (both saw it first at once): its community holds these keys, and is the one.
        const theirs = (await deps.communities.list()).find((c) => c.kind === 'peer' && (c.ledgerAccounts as Partial<CurrencyAccounts>).issuer === a.keys.issuer);
        if (theirs) return { url, code: a.code, scale: a.scale, community: theirs };
      }
      if (isCommunityError(created)) throw new ResolveError(`currency ${url} cannot be registered: ${created}`, false);
      community = created;
      await db.hub(async (trx) => trx('komunitin_peers').insert({
        currency_url: url, community_id: community.id, code: a.code, scale: a.scale, resource: JSON.stringify(doc.data),
      }));
    }
    return { url, code: a.code, scale: a.scale, community };
  };

  const currency = (url: string): Promise<PeerCurrency> => cached(`currency ${url}`, async () => {
    const doc = await fetchDoc<CurrencyDoc>(url, currencyDocument, 'currency');
    return registerCurrency(url, doc);
  });

  return {
    currency,

    async metaForm(url) {
      const known = forms.get(url);
      if (known) return known;
      const row = await db.hub(async (trx) => trx('komunitin_peers').where({ currency_url: url }).first('transfer_meta'));
      const form: MetaForm = row?.transfer_meta === 'string' ? 'string' : 'object';
      forms.set(url, form);
      return form;
    },

    async learnMetaForm(url, form) {
      if (forms.get(url) === form) return;
      await db.hub(async (trx) => trx('komunitin_peers').where({ currency_url: url })
        .where((q) => q.whereNull('transfer_meta').orWhereNot('transfer_meta', form)).update({ transfer_meta: form }));
      forms.set(url, form);
    },

    resolve(href) {
      return cached(`account ${href}`, async () => {
        if (!/\/accounts\/[^/]+$/.test(new URL(href).pathname)) throw new ResolveError(`${href} is not an account URL (…/CODE/accounts/ID)`, false);
        const doc = await fetchDoc<AccountDoc>(href, accountDocument, 'account');
        const cur = await currency(currencyUrlOf(href));
        const key = doc.data.attributes.key;
        const peer = cur.community;
        const row = await db.community(peer.id, async (trx) => trx('komunitin_remote_accounts').where({ community_id: peer.id, href }).first());
        if (row && row.public_key !== key) {
          throw new ResolveError(`account ${href} now publishes another key than when it was registered; a person must look at it`, false);
        }
        const account = await deps.accounts.registerRemote(peer, { code: doc.data.attributes.code ?? '', publicKey: key }, deps.actor);
        if (isAccountError(account)) throw new ResolveError(`account ${href} cannot be registered: ${account}`, false);
        await db.community(peer.id, async (trx) => trx('komunitin_remote_accounts')
          .insert({ community_id: peer.id, href, account_id: account.id, remote_id: doc.data.id, public_key: key, resource: JSON.stringify(doc.data) })
          .onConflict(['community_id', 'href']).merge({ resource: JSON.stringify(doc.data), fetched_at: new Date() }));
        return { href, id: doc.data.id, code: doc.data.attributes.code ?? account.code, key, account, currency: cur };
      });
    },

    async known(communityId, href) {
      const row = await db.community(communityId, async (trx) => trx('komunitin_remote_accounts').where({ community_id: communityId, href }).first());
      return row ? { accountId: row.account_id, key: row.public_key } : null;
    },
  };
}
