/**
 * What the CXP endpoints do, without HTTP: the handshake, the list of exchanges, the
 * prepare form and the try transaction. Every exchange is a `cxp` community whose
 * members all stand behind its import-export account (CXP's virtual customer); a try
 * becomes one core transfer from that account, keyed `cxp|<exchange code>|<temp_id>`,
 * with the relay to the receiving exchange as its delivery.
 */
import { ProtocolDeps } from '../../src/protocol';
import {
  Account, Community, LedgerError, Party, RemotePayee, RemotePayeeError, Transfer, isAccountError, isCommunityError,
  isLedgerError, isRemotePayeeError, isTransferError,
} from '../../src/core';
import { RELAY_KIND, RelayClient, RelayMessage, RelayPayload, relayTarget } from './client';
import { CxpFailure, invalidField, pending, transferFailure } from './errors';
import { HandshakeBody } from './schemas/handshake';
import { CxpExchange, ExchangeStore, uriKey } from './store';
import { Decimal, decimalText, hourToLocal, localToHour, ticksToRate } from './translate';

export interface HandshakeReplyData {
  message: string;
  status: -1 | 0 | 1;
  balance: Decimal;
  min: Decimal;
  max: Decimal;
  count: number;
  keymatch: boolean;
}

/** A handshake as the service takes it: the ticks already exact (stroops). */
export type HandshakeInput = Omit<HandshakeBody, 'ticks'> & { ticks: bigint };

/** A try as the service takes it: the quantity already exact (base-unit stroops). */
export interface TryInput {
  payer: string;
  payer_url: string;
  payee: string;
  payee_url: string;
  src_url: string;
  dest_url: string;
  quantity: bigint;
  description: string;
  really: boolean;
  temp_id: string;
}

export interface TryReplyData {
  code: 'OK';
  args: Record<string, never>;
  temp_id: string;
  really: boolean;
  quantity: Decimal;
  cost: Decimal;
  state: 'quoted' | 'settled' | 'delivered';
}

/**
 * Where a try goes: another exchange (relayed), a member of a community hosted here, or
 * an account on a peer server another protocol reaches (told by that protocol).
 */
type Destination = { payee: Party; exchange: CxpExchange | null; remote?: RemotePayee };

export interface CxpService {
  unknownHandshake(): HandshakeReplyData;
  /**
   * Store what the exchange declares, apply its ticks (until its first trade) and rotate
   * its key to `new_key`: the Hawk key, or in legacy mode the legacy key.
   */
  handshake(ex: CxpExchange, body: HandshakeInput, opts: { previousKey: boolean; signedWith: string; legacy?: boolean }): Promise<HandshakeReplyData>;
  /** The handshake's answer, changing nothing (legacy help). */
  status(ex: CxpExchange): Promise<HandshakeReplyData>;
  clients(ex: CxpExchange): Promise<Record<string, string>>;
  /** The prepare form; volume and balance exact (base-unit stroops). */
  prepare(ex: CxpExchange, q: { volume: bigint; integrity: boolean; balance: bigint }): Promise<{ spend_limit: Decimal; earn_limit: Decimal }>;
  try(ex: CxpExchange, t: TryInput): Promise<TryReplyData>;
  /** The relay message for a payment from another protocol to a member of `ex` (onward delivery). */
  onwardMessage(ex: CxpExchange, m: Omit<RelayMessage, 'src_url' | 'dest_url' | 'payee_url' | 'really'>): RelayMessage;
  exchangeCommunity(ex: CxpExchange): Promise<Community>;
}

const ZERO = new Decimal(0n);

export function createCxpService(deps: ProtocolDeps & { store: ExchangeStore; relay: RelayClient }): CxpService {
  const { store, relay, communities, accounts, transfers, deliveries, creditLines, remotePayees, exchanges, logger } = deps;
  const hubKey = () => uriKey(deps.publicUrl());
  /** Exchanges whose first trade is on record (noteTrade writes only the first). */
  const firstTradeNoted = new Set<string>();

  /** The exchange's community and import-export account: read on every try, so kept for a moment. */
  const importExport = (communityId: string): Promise<Party> => store.remember(`party:${communityId}`, () => exchanges.importExport(communityId));

  /** Balance in HOUR stroops as the hub holds it for the exchange (its virtual customer). */
  const balanceHour = (p: Party) => exchanges.balanceHour(p);

  const limits = (p: Party) => {
    const l = exchanges.limitsHour(p);
    return { min: new Decimal(l.min), max: new Decimal(l.max) };
  };

  /** A new rate for the exchange, its limits re-applied so that they stay the same in HOUR. */
  const applyTicks = async (ex: CxpExchange, ticks: string, actor: string): Promise<void> => {
    const r = await deps.rates.change({ id: ex.communityId }, ticksToRate(ticks)!, actor);
    if (isCommunityError(r)) throw new Error(`could not set the rate of exchange ${ex.uriKey}: ${r}`);
    await store.patch(ex.communityId, { ticks });
  };

  /**
   * Where dest_url points: an exchange of the circle, <hub>/<CODE> for a hosted
   * community, or a registered peer server's currency (an account on a Komunitin server).
   */
  const destination = async (ex: CxpExchange, t: Pick<TryInput, 'dest_url' | 'payee'>): Promise<Destination> => {
    const key = uriKey(t.dest_url);
    if (key === ex.uriKey) throw invalidField('dest_url', `${t.dest_url} is your own exchange: trade inside it locally`);
    const other = await store.byUriKey(key);
    if (other) return { payee: await importExport(other.communityId), exchange: other };
    const prefix = `${hubKey()}/`;
    if (key.startsWith(prefix)) {
      const code = key.slice(prefix.length).toUpperCase();
      const c = await communities.getByCode(code);
      if (!isCommunityError(c) && c.kind === 'hosted') {
        const a = await accounts.get(c, t.payee.trim().toUpperCase());
        if (isAccountError(a) || a.kind !== 'member') throw new CxpFailure(28, { '@account': t.payee });
        return { payee: { community: c, account: a as Account }, exchange: null };
      }
    }
    const remote = await remotePayees.find({ server: t.dest_url, payee: t.payee.trim() });
    if (!isRemotePayeeError(remote)) return { payee: remote.payee, exchange: null, remote };
    if (remote === RemotePayeeError.UnknownAccount) throw new CxpFailure(28, { '@account': t.payee });
    if (remote === RemotePayeeError.Unreachable) throw new CxpFailure(27, { '@message': `${t.dest_url} could not be reached; repeat this request later` });
    throw new CxpFailure(26, { '@server': t.dest_url });
  };

  /** What the receiving side's answer to a relay means for our caller. */
  const remoteRefusal = (result: unknown): CxpFailure => {
    const r = (result ?? {}) as { code?: unknown; message?: unknown };
    if (r.code === 24) return new CxpFailure(24);
    if (r.code === 26) return new CxpFailure(26, { '@server': String((r as { args?: Record<string, string> }).args?.['@server'] ?? '') });
    return new CxpFailure(25, { '@message': typeof r.message === 'string' ? r.message : `code ${String(r.code)}` });
  };

  const statusReply = async (ex: CxpExchange, notes: string[], keymatch: boolean, count?: number): Promise<HandshakeReplyData> => {
    store.invalidate();
    const p = await importExport(ex.communityId);
    const trading = p.community.status === 'active' && p.account.status === 'active';
    return {
      message: [`<p>${trading ? 'Welcome to' : 'Your exchange is blocked on'} the Intertrading Circle at ${hubKey()}. All quantities are in base units (HOUR).</p>`,
        ...notes.map((n) => `<p>${n}</p>`)].join(''),
      status: trading ? 1 : 0,
      balance: new Decimal(await balanceHour(p)),
      ...limits(p),
      count: count ?? await exchanges.tradeCount(ex.communityId),
      keymatch,
    };
  };

  /** The outcome of a really=true transfer, as the first answer gave it or as it is now. */
  const outcome = async (ex: CxpExchange, t: Transfer, dest: Destination | null, reply: Omit<TryReplyData, 'state' | 'cost'>): Promise<TryReplyData> => {
    if (t.state === 'rejected' || t.state === 'failed') {
      throw transferFailure(t.errorCode ?? 'failed', { payerBlocked: t.errorCode === LedgerError.Blocked && (await importExport(ex.communityId)).community.status === 'blocked' });
    }
    if (t.state === 'new' || t.state === 'quoted' || t.state === 'submitted') {
      throw pending(`transaction ${t.id} is being settled; repeat this request in a few seconds`);
    }
    const relayed = dest ? dest.exchange !== null : true;
    const d = relayed && t.state !== 'compensated' && t.state !== 'disputed' ? await deliveries.deliverNow(t.communityId, t.id, RELAY_KIND) : null;
    const all = d ? [d] : await deliveries.forTransfer(t.communityId, t.id);
    const delivery = all.find((x) => x.kind === RELAY_KIND) ?? null;
    if (t.state === 'compensated' || t.state === 'disputed' || delivery?.state === 'refused') return Promise.reject(remoteRefusal(delivery?.result));
    if (delivery?.state === 'pending') {
      throw pending(`paid, but the receiving exchange has not confirmed it yet (${delivery.attempts} attempts); repeat this request in a few seconds`);
    }
    const cost = t.sourceAmount === null ? reply.quantity : new Decimal(localToHour(t.sourceAmount, (await importExport(ex.communityId)).community));
    return { ...reply, cost, state: delivery?.state === 'delivered' || t.state === 'delivered' ? 'delivered' : 'settled' };
  };

  const service: CxpService = {
    unknownHandshake: () => ({
      message: '<p>This exchange has no account on this Intertrading Circle. Membership is granted by its governing body: ask them to approve your exchange, then use the Hawk id and key they give you.</p>',
      status: -1, balance: ZERO, min: ZERO, max: ZERO, count: 0, keymatch: false,
    }),

    async handshake(ex, body, opts) {
      const notes: string[] = [];
      const actor = `cxp:${ex.uriKey}`;
      const count = await exchanges.tradeCount(ex.communityId);
      const ticks = decimalText(body.ticks);
      if (!ticksToRate(ticks)) throw invalidField('ticks', ticks);
      if (ticks !== ex.ticks) {
        if (count > 0) {
          notes.push(`Your ticks are locked at ${ex.ticks} since your first trade; the governing body can change them.`);
        } else {
          await applyTicks(ex, ticks, actor);
          notes.push(`Your rate is now 1 unit = 1/${ticks} HOUR.`);
        }
      }
      if (uriKey(body.uri) !== ex.uriKey) notes.push(`The hub relays to ${ex.uri} as approved, not to ${body.uri}; ask the governing body to change it.`);

      let keymatch = !opts.previousKey;
      // As declared, ticks as the number they were sent as (stored as JSON).
      const declared = { ...body, ticks: Number(ticks) };
      delete declared.new_key;
      await deps.db.community(ex.communityId, async (trx) => {
        if (opts.legacy && body.new_key) {
          if (body.new_key !== opts.signedWith) await store.sealLegacyKey(trx, ex.communityId, body.new_key);
          keymatch = true;
        } else if (body.new_key && body.new_key !== opts.signedWith) {
          // The key this request was signed with stays valid for the handshake only, so a
          // client whose answer to this rotation is lost can still come back.
          await store.sealHawkKey(trx, ex, body.new_key, { previous: opts.signedWith });
          await store.patch(ex.communityId, { keyVersion: ex.keyVersion + 1 }, trx);
          keymatch = true;
          notes.push('Your new key is in place: sign with it from now on.');
        } else if (body.new_key) {
          keymatch = true;
        }
        await store.patch(ex.communityId, { declared, handshakeAt: new Date() }, trx);
        if (count > 0) await exchanges.noteTrade(ex.communityId, trx);
      });
      if (!keymatch) notes.push('You signed with your previous key: send a new_key to rotate.');
      return statusReply(ex, notes, keymatch, count);
    },

    status: (ex) => statusReply(ex, [], true),

    async clients(ex) {
      const out: Record<string, string> = {};
      const all = await communities.list();
      const byId = new Map(all.map((c) => [c.id, c]));
      for (const other of await store.list()) {
        if (other.communityId === ex.communityId || byId.get(other.communityId)?.status !== 'active') continue;
        out[other.uriKey] = other.title;
      }
      for (const c of all) if (c.kind === 'hosted' && c.status === 'active') out[`${hubKey()}/${c.code.toLowerCase()}`] = c.name;
      for (const r of await remotePayees.servers()) out[uriKey(r.server)] = r.name;
      return out;
    },

    async prepare(ex, q) {
      if (!q.integrity) throw invalidField('integrity', 'false: your exchange\'s balances must add up to zero before it trades');
      const { volume, balance: declared } = q;
      const p = await importExport(ex.communityId);
      if (p.community.status === 'blocked') throw new CxpFailure(16);
      if (ex.volume !== volume) await store.patch(ex.communityId, { volume });
      // The exchange's own import-export account mirrors its virtual customer here: opposite signs.
      const { matches, hub } = await exchanges.checkDeclaredBalance(p, declared, { volume, integrity: q.integrity });
      if (!matches) {
        logger.warn({ exchange: ex.uriKey, declared: decimalText(declared), hub: decimalText(hub) }, 'cxp balance mismatch recorded');
        throw new CxpFailure(7, {
          '@message': `balance mismatch: you declare ${decimalText(declared)}, the hub holds ${decimalText(hub)} for your exchange, so your import-export account should be ${decimalText(-hub)}; the governing body has been told`,
        });
      }
      // The account's own room, and what the credit lines around the exchange let through.
      const own = await accounts.balance(p.community, p.account);
      let spend = localToHour(own + p.account.creditLimit, p.community);
      let earn = localToHour(p.account.maxBalance - own, p.community);
      let spendVia = 0n;
      let earnVia = 0n;
      for (const other of await communities.list()) {
        if (other.id === p.community.id) continue;
        const toThem = (await creditLines.list(other)).find((l) => l.peerId === p.community.id);
        const toUs = (await creditLines.list(p.community)).find((l) => l.peerId === other.id);
        if (!toThem && !toUs) continue;
        const theyHold = toThem ? await creditLines.usage(other, p.community) : 0n;
        const weHold = toUs ? await creditLines.usage(p.community, other) : 0n;
        // Spending: they take our HOUR up to their line, and give back theirs we hold.
        const s = localToHour((toThem ? toThem.limit - theyHold : 0n), other) + localToHour(weHold, p.community);
        const e = localToHour((toUs ? toUs.limit - weHold : 0n), p.community) + localToHour(theyHold, other);
        if (s > spendVia) spendVia = s;
        if (e > earnVia) earnVia = e;
      }
      spend = spend < spendVia ? spend : spendVia;
      earn = earn < earnVia ? earn : earnVia;
      return { spend_limit: new Decimal(spend > 0n ? spend : 0n), earn_limit: new Decimal(earn > 0n ? earn : 0n) };
    },

    async try(ex, t) {
      const payer = await importExport(ex.communityId);
      if (payer.community.status === 'blocked' || payer.account.status === 'blocked') throw new CxpFailure(16);
      if (uriKey(t.src_url) !== ex.uriKey) throw invalidField('src_url', `${t.src_url} is not the exchange this key belongs to (${ex.uriKey})`);
      const dest = await destination(ex, t);
      const local = hourToLocal(t.quantity, dest.payee.community);
      // A peer server states amounts at its own scale: pay what it can state exactly.
      const amount = dest.remote ? dest.remote.exact(local) : local;
      if (amount <= 0n) throw new CxpFailure(12, { '@fieldname': 'quantity', '@rel': '>', '@value': `${decimalText(t.quantity)} (less than the smallest unit of the payee's currency)` });
      const key = `cxp|${payer.community.code}|${t.temp_id}`;
      // The request hash covers the meta: the same temp_id with another payload is refused.
      const meta = JSON.stringify({
        payer: t.payer, payer_url: t.payer_url, payee: t.payee, payee_url: t.payee_url,
        src_url: t.src_url, dest_url: t.dest_url, quantity: decimalText(t.quantity), description: t.description,
      });
      const reply = { code: 'OK' as const, args: {} as Record<string, never>, temp_id: t.temp_id, really: t.really, quantity: new Decimal(t.quantity) };

      if (ex.ratioPercent > 0) {
        const balance = await balanceHour(payer);
        const after = balance - t.quantity;
        const volume = ex.volume ?? 0n;
        const abs = (x: bigint) => (x < 0n ? -x : x);
        if (abs(after) > abs(balance) && abs(after) * 100n > volume * BigInt(ex.ratioPercent)) {
          throw new CxpFailure(14, { '@num': String(ex.ratioPercent), '@balance': decimalText(after), '@volume': decimalText(volume) });
        }
      }

      if (!t.really) {
        const earlier = await transfers.findByKey(payer.community.id, key);
        if (earlier && earlier.meta !== meta) throw transferFailure('idempotency_conflict', { payerBlocked: false });
        const q = await transfers.quote(payer, dest.payee, amount);
        if (isTransferError(q) || isLedgerError(q)) throw transferFailure(q, { payerBlocked: false });
        if (dest.exchange) {
          const a = await relay.send(dest.exchange, { ...relayFields(t), really: false });
          if (a.kind === 'refused') throw remoteRefusal({ code: a.code, message: a.message, args: a.args });
          if (a.kind === 'retry') throw a.code === 20 ? new CxpFailure(20) : new CxpFailure(27, { '@message': a.error });
        }
        return { ...reply, cost: new Decimal(localToHour(q.sourceAmount, payer.community)), state: 'quoted' };
      }

      const delivery = dest.exchange ? {
        kind: RELAY_KIND,
        target: relayTarget(dest.exchange),
        payload: { exchange: dest.exchange.communityId, message: { ...relayFields(t), really: true } } satisfies RelayPayload,
      } : dest.remote
        ? await dest.remote.delivery({ payer, payerRef: t.payer, amount, description: t.description, reference: key })
        : undefined;
      const settled = await transfers.settle({ idempotencyKey: key, payer, payee: dest.payee, amount, meta, delivery });
      if (isTransferError(settled)) throw transferFailure(settled, { payerBlocked: false });
      if (!firstTradeNoted.has(ex.communityId) && (settled.state === 'settled' || settled.state === 'delivered')) {
        // A record for the governing body: the payment stands whether or not it is written.
        await exchanges.noteTrade(ex.communityId).then(() => firstTradeNoted.add(ex.communityId), () => undefined);
      }
      // A peer server learns of it from the outbox at once; the ledger already says it is
      // paid, so the answer does not wait for that server (Komunitin's notify is a courtesy).
      if (dest.remote) deliveries.wake();
      return outcome(ex, settled, dest, reply);
    },

    onwardMessage(ex, m) {
      return { ...m, src_url: hubKey(), dest_url: ex.uriKey, payee_url: ex.uriKey, really: true };
    },

    async exchangeCommunity(ex) {
      const c = await communities.getById(ex.communityId);
      if (isCommunityError(c)) throw new Error(`exchange community ${ex.communityId} is gone`);
      return c;
    },
  };
  return service;
}

function relayFields(t: TryInput): Omit<RelayMessage, 'really'> {
  return {
    payer: t.payer, payer_url: t.payer_url, payee: t.payee, payee_url: t.payee_url,
    src_url: t.src_url, dest_url: t.dest_url, quantity: decimalText(t.quantity), description: t.description, temp_id: t.temp_id,
  };
}
