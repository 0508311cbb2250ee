/**
 * A community's currency on Stellar, Komunitin's model, so that Komunitin servers on
 * the same network can trade with hub communities unchanged:
 *
 *   issuer ── local asset CODE (auth required, revocable, clawback)
 *   credit ── distributes members' initial credit
 *   admin  ── co-signer (weight 2) on member accounts: one signature pays for many
 *   externalIssuer ── this currency's own HOUR
 *   externalTrader ── trades local ⇄ own HOUR at the rate, own HOUR ⇄ other HOURs 1:1
 *
 * Every reserve is sponsored by the hub's sponsor, so these accounts hold no XLM.
 * All offers are passive, so the trader's opposite offers at equal price never cross.
 */
import {
  Asset, AuthClawbackEnabledFlag, AuthFlag, AuthRequiredFlag, AuthRevocableFlag, Horizon, Keypair, NotFoundError, Operation, xdr,
} from '@stellar/stellar-sdk';
import { fromHour, formatAmount, parseAmount, toHour } from '../../core/amounts';
import { KeyLookup, LedgerCurrency, LedgerError } from '../../core/ledger';
import { assetFromRecord, assetId, hourAsset, localAsset } from './assets';
import { JobOutcome, SubmissionJob } from './submitter';

export interface CurrencyDeps {
  server: Horizon.Server;
  sponsor: Keypair;
  submit(job: SubmissionJob): Promise<JobOutcome>;
}

const amount = (stroops: bigint): string => formatAmount(stroops);
const stroops = (s: string): bigint => parseAmount(s, { allowZero: true }) as bigint;

/**
 * Deriving a keypair from its secret costs a scalar multiplication; an admin key signs
 * every payment of its community. Derived keypairs are kept by public key (a public
 * key has one secret).
 */
const derived = new Map<string, Keypair>();

export async function keypairs(keys: KeyLookup, ...publicKeys: string[]): Promise<Keypair[]> {
  const out: Keypair[] = [];
  for (const pk of new Set(publicKeys)) {
    let kp = derived.get(pk);
    if (!kp) {
      kp = Keypair.fromSecret((await keys(pk)).reveal());
      if (kp.publicKey() !== pk) throw new Error(`the key stored for ${pk} belongs to ${kp.publicKey()}`);
      derived.set(pk, kp);
    }
    out.push(kp);
  }
  return out;
}

async function loadOrNull(server: Horizon.Server, id: string): Promise<Horizon.AccountResponse | null> {
  try {
    return await server.loadAccount(id);
  } catch (e) {
    if (e instanceof NotFoundError) return null;
    throw e;
  }
}

/**
 * Exactly the keys the operations need: each op's source (the sponsor's own key for its
 * ops). Signing with more is refused by the ledger (tx_bad_auth_extra).
 */
async function signersOf(d: CurrencyDeps, keys: KeyLookup, ops: xdr.Operation[]): Promise<Keypair[]> {
  const sources = new Set<string>();
  for (const op of ops) {
    const src = Operation.fromXDRObject(op).source;
    if (src) sources.add(src);
  }
  const sponsor = d.sponsor.publicKey();
  const needSponsor = sources.delete(sponsor);
  return [...(needSponsor ? [d.sponsor] : []), ...(await keypairs(keys, ...sources))];
}

function ensureOk(o: JobOutcome, what: string): void {
  if (!o.ok) throw new Error(`${what} failed on the ledger: ${o.code}${o.opCodes.length ? ` (${o.opCodes.join(', ')})` : ''}`);
}

/** Operations creating one sponsored account with an authorized trustline to `asset`. */
function sponsoredAccount(sponsor: string, id: string, trust?: { asset: Asset; limit?: bigint; issuer: string }): xdr.Operation[] {
  const ops = [
    Operation.beginSponsoringFutureReserves({ source: sponsor, sponsoredId: id }),
    Operation.createAccount({ source: sponsor, destination: id, startingBalance: '0' }),
  ];
  if (trust) {
    ops.push(Operation.changeTrust({ source: id, asset: trust.asset, limit: trust.limit === undefined ? undefined : amount(trust.limit) }));
    ops.push(Operation.setTrustLineFlags({ source: trust.issuer, asset: trust.asset, trustor: id, flags: { authorized: true } }));
  }
  return ops;
}

export async function provisionCurrency(
  d: CurrencyDeps, c: LedgerCurrency, keys: KeyLookup, opts: { creditBalance: bigint; traderCredit: bigint },
): Promise<void> {
  const a = c.accounts;
  const sponsor = d.sponsor.publicKey();
  const local = localAsset(c);
  const hour = hourAsset(c);
  if (await loadOrNull(d.server, a.externalTrader)) return; // created last: everything exists

  const ops: xdr.Operation[] = [
    ...sponsoredAccount(sponsor, a.issuer),
    Operation.setOptions({
      source: a.issuer,
      // Members' trustlines need the issuer's approval; the issuer can freeze and claw back.
      setFlags: (AuthRequiredFlag | AuthRevocableFlag | AuthClawbackEnabledFlag) as AuthFlag,
    }),
    Operation.endSponsoringFutureReserves({ source: a.issuer }),
    ...sponsoredAccount(sponsor, a.credit, { asset: local, issuer: a.issuer }),
    Operation.endSponsoringFutureReserves({ source: a.credit }),
    ...sponsoredAccount(sponsor, a.admin),
    Operation.endSponsoringFutureReserves({ source: a.admin }),
    Operation.payment({ source: a.issuer, destination: a.credit, asset: local, amount: amount(opts.creditBalance) }),
    ...sponsoredAccount(sponsor, a.externalIssuer),
    Operation.endSponsoringFutureReserves({ source: a.externalIssuer }),
    ...sponsoredAccount(sponsor, a.externalTrader, { asset: local, limit: c.traderMaxBalance, issuer: a.issuer }),
    Operation.changeTrust({ source: a.externalTrader, asset: hour }),
    Operation.endSponsoringFutureReserves({ source: a.externalTrader }),
  ];
  if (opts.traderCredit > 0n) {
    ops.push(Operation.payment({ source: a.credit, destination: a.externalTrader, asset: local, amount: amount(opts.traderCredit) }));
  }
  ensureOk(await d.submit({ ops, signers: await signersOf(d, keys, ops), solo: true }), `creating currency ${c.code}`);
  await rebalance(d, c, keys);
}

/** Trustline limit of a member: credit limit + maximum balance (balance starts at the credit). */
export async function provisionAccount(
  d: CurrencyDeps, c: LedgerCurrency, acc: { publicKey: string; creditLimit: bigint; maxBalance: bigint }, keys: KeyLookup,
): Promise<void> {
  if (await loadOrNull(d.server, acc.publicKey)) return;
  const a = c.accounts;
  const ops = [
    ...sponsoredAccount(d.sponsor.publicKey(), acc.publicKey, { asset: localAsset(c), limit: acc.creditLimit + acc.maxBalance, issuer: a.issuer }),
    // The admin co-signs: it alone can pay (medium 1) and administer (high 2).
    Operation.setOptions({ source: acc.publicKey, signer: { ed25519PublicKey: a.admin, weight: 2 } }),
    Operation.setOptions({ source: acc.publicKey, masterWeight: 1, lowThreshold: 1, medThreshold: 1, highThreshold: 2 }),
    Operation.endSponsoringFutureReserves({ source: acc.publicKey }),
  ];
  if (acc.creditLimit > 0n) {
    ops.push(Operation.payment({ source: a.credit, destination: acc.publicKey, asset: localAsset(c), amount: amount(acc.creditLimit) }));
  }
  ensureOk(await d.submit({ ops, signers: await signersOf(d, keys, ops) }), `creating an account in ${c.code}`);
}

export function balanceOf(account: Horizon.AccountResponse, asset: Asset): { balance: bigint; limit: bigint } | null {
  for (const b of account.balances) {
    if (b.asset_type === 'native' || b.asset_type === 'liquidity_pool_shares') continue;
    if (b.asset_code === asset.getCode() && b.asset_issuer === asset.getIssuer()) {
      return { balance: stroops(b.balance), limit: stroops(b.limit) };
    }
  }
  return null;
}

/** Change a member's limits: trustline limit, and credit given or clawed back. */
export async function setAccountLimits(
  d: CurrencyDeps, c: LedgerCurrency, acc: { publicKey: string; creditLimit: bigint; maxBalance: bigint },
  previous: { creditLimit: bigint }, keys: KeyLookup,
): Promise<void | LedgerError> {
  const a = c.accounts;
  const local = localAsset(c);
  const delta = acc.creditLimit - previous.creditLimit;
  const limitOp = Operation.changeTrust({ source: acc.publicKey, asset: local, limit: amount(acc.creditLimit + acc.maxBalance) });
  const ops: xdr.Operation[] = [];
  if (delta > 0n) ops.push(limitOp, Operation.payment({ source: a.credit, destination: acc.publicKey, asset: local, amount: amount(delta) }));
  else if (delta < 0n) ops.push(Operation.clawback({ source: a.issuer, asset: local, from: acc.publicKey, amount: amount(-delta) }), limitOp);
  else ops.push(limitOp);
  const o = await d.submit({ ops, signers: await signersOf(d, keys, ops) });
  if (!o.ok) {
    if (o.opCodes.includes('op_underfunded') || o.opCodes.includes('op_invalid_limit')) return LedgerError.InsufficientBalance;
    ensureOk(o, `changing limits in ${c.code}`);
  }
}

/** `truster`'s trader accepts up to `limit` (truster units) of `trusted`'s HOUR. */
export async function setCreditLine(
  d: CurrencyDeps, truster: LedgerCurrency, trusted: LedgerCurrency, limit: bigint, keys: KeyLookup,
  opts: { holdOutstanding?: boolean } = {},
): Promise<void | LedgerError> {
  const trader = await d.server.loadAccount(truster.accounts.externalTrader);
  const foreign = hourAsset(trusted);
  const line = balanceOf(trader, foreign);
  let limitHour = toHour(limit, truster.rate, 'down');
  if (line && limitHour < line.balance) {
    if (!opts.holdOutstanding) return LedgerError.BelowOutstanding;
    limitHour = line.balance;
  }
  if (line && line.limit === limitHour) {
    await rebalance(d, truster, keys);
    return;
  }
  if (!line && limit === 0n) return;
  const ops: xdr.Operation[] = [];
  const t = truster.accounts.externalTrader;
  if (!line) ops.push(Operation.beginSponsoringFutureReserves({ source: d.sponsor.publicKey(), sponsoredId: t }));
  if (line) {
    // Offers on the foreign HOUR go first: their liabilities count against the limit
    // (and a trustline with offers cannot be removed). Rebalancing recreates them.
    ops.push(...(await offerOps(d, truster, trader, { drop: assetId(foreign) })));
  }
  ops.push(Operation.changeTrust({ source: t, asset: foreign, limit: amount(limitHour) }));
  if (!line) ops.push(Operation.endSponsoringFutureReserves({ source: t }));
  const o = await d.submit({ ops, signers: await signersOf(d, keys, ops), solo: true, maintenance: true });
  if (!o.ok && o.opCodes.includes('op_invalid_limit')) return LedgerError.BelowOutstanding;
  ensureOk(o, `setting the credit line ${truster.code} → ${trusted.code}`);
  await rebalance(d, truster, keys);
}

export async function offerDrift(d: CurrencyDeps, c: LedgerCurrency): Promise<number> {
  if (c.peer) return 0; // a peer's trader is its own server's to keep
  const trader = await d.server.loadAccount(c.accounts.externalTrader);
  return (await offerOps(d, c, trader)).length;
}

export async function inspectAccount(d: CurrencyDeps, c: LedgerCurrency, publicKey: string) {
  const account = await loadOrNull(d.server, publicKey);
  if (!account) return null;
  const local = localAsset(c);
  for (const b of account.balances) {
    if (b.asset_type === 'native' || b.asset_type === 'liquidity_pool_shares') continue;
    if (b.asset_code === local.getCode() && b.asset_issuer === local.getIssuer()) {
      return { balance: stroops(b.balance), limit: stroops(b.limit), authorized: b.is_authorized };
    }
  }
  return { balance: 0n, limit: 0n, authorized: false };
}

export async function traderLines(d: CurrencyDeps, c: LedgerCurrency) {
  const trader = await d.server.loadAccount(c.accounts.externalTrader);
  const out: Array<{ externalIssuer: string; limit: bigint; balance: bigint }> = [];
  for (const b of trader.balances) {
    if (b.asset_type !== 'credit_alphanum4' || b.asset_code !== 'HOUR' || b.asset_issuer === c.accounts.externalIssuer) continue;
    out.push({ externalIssuer: b.asset_issuer, limit: stroops(b.limit), balance: stroops(b.balance) });
  }
  return out;
}

/** HOUR of `trusted` held by `truster`'s trader, in truster units. */
export async function creditLineUsage(d: CurrencyDeps, truster: LedgerCurrency, trusted: LedgerCurrency): Promise<bigint> {
  const trader = await d.server.loadAccount(truster.accounts.externalTrader);
  const line = balanceOf(trader, hourAsset(trusted));
  return line ? fromHour(line.balance, truster.rate, 'up') : 0n;
}

interface WantedOffer {
  selling: Asset;
  buying: Asset;
  amount: bigint;
  price: { n: number; d: number };
}

/**
 * The trader's offers as they should be now:
 * - local → own HOUR at the rate, all the local it holds (pays incoming payments out);
 * - own HOUR → local at the inverse rate, as much as its local trustline can take in
 *   (outgoing payments; bounded by the trader's maximum balance);
 * - own HOUR → each trusted HOUR 1:1, the room left on that credit line;
 * - each foreign HOUR it holds → own HOUR 1:1 (so trade flows back and clears).
 */
function wantedOffers(c: LedgerCurrency, trader: Horizon.AccountResponse): { offers: WantedOffer[]; hourNeeded: bigint } {
  const local = localAsset(c);
  const hour = hourAsset(c);
  const offers: WantedOffer[] = [];
  const l = balanceOf(trader, local);
  if (l) {
    offers.push({ selling: local, buying: hour, amount: l.balance, price: c.rate });
    const room = toHour(l.limit - l.balance, c.rate, 'down');
    offers.push({ selling: hour, buying: local, amount: room, price: { n: c.rate.d, d: c.rate.n } });
  }
  let hourNeeded = offers[1]?.amount ?? 0n;
  for (const b of trader.balances) {
    if (b.asset_type !== 'credit_alphanum4' || b.asset_code !== 'HOUR' || b.asset_issuer === c.accounts.externalIssuer) continue;
    const foreign = assetFromRecord(b);
    const room = stroops(b.limit) - stroops(b.balance);
    offers.push({ selling: hour, buying: foreign, amount: room, price: { n: 1, d: 1 } });
    hourNeeded += room;
    offers.push({ selling: foreign, buying: hour, amount: stroops(b.balance), price: { n: 1, d: 1 } });
  }
  return { offers, hourNeeded };
}

const offerKey = (selling: string, buying: string) => `${selling}>${buying}`;

/**
 * Is an offer on the book the wanted one? The ledger adjusts every offer it places
 * (stellar-core's adjustOffer) down to an amount it can sell without rounding against
 * the taker, which at a price of n/d (bought per sold) can take up to about d/n stroops
 * off: less than one stroop of what the offer buys. Comparing exact amounts would see
 * drift in every offer at a rate other than a whole number, and a rebalance would
 * recreate them at every run without ever converging.
 */
export function sameOffer(onBook: { amount: bigint; price: { n: number; d: number } }, wanted: WantedOffer): boolean {
  if (onBook.price.n !== wanted.price.n || onBook.price.d !== wanted.price.d) return false;
  const slack = BigInt(Math.ceil(wanted.price.d / wanted.price.n)) + 1n;
  return onBook.amount <= wanted.amount && wanted.amount - onBook.amount <= slack;
}

async function offerOps(
  d: CurrencyDeps, c: LedgerCurrency, trader: Horizon.AccountResponse, opts: { drop?: string } = {},
): Promise<xdr.Operation[]> {
  const t = c.accounts.externalTrader;
  const existing = await d.server.offers().forAccount(t).limit(200).call();
  const { offers, hourNeeded } = wantedOffers(c, trader);
  const want = new Map(offers
    .filter((o) => assetId(o.buying) !== opts.drop && assetId(o.selling) !== opts.drop)
    .map((o) => [offerKey(assetId(o.selling), assetId(o.buying)), o]));
  const ops: xdr.Operation[] = [];
  const own = balanceOf(trader, hourAsset(c));
  if (own && own.balance < hourNeeded) {
    ops.push(Operation.payment({ source: c.accounts.externalIssuer, destination: t, asset: hourAsset(c), amount: amount(hourNeeded - own.balance) }));
  }
  const keep = new Set<string>();
  for (const o of existing.records) {
    const k = offerKey(assetId(assetFromRecord(o.selling)), assetId(assetFromRecord(o.buying)));
    const w = want.get(k);
    const same = w && sameOffer({ amount: stroops(o.amount), price: o.price_r }, w) && !keep.has(k);
    if (same) {
      keep.add(k);
      continue;
    }
    // Passive offers are deleted and recreated, never updated: an update by
    // manageSellOffer would drop the passive flag and cross the opposite offer.
    ops.push(Operation.manageSellOffer({
      source: t, selling: assetFromRecord(o.selling), buying: assetFromRecord(o.buying),
      amount: '0', price: o.price_r, offerId: o.id,
    }));
  }
  const creates: xdr.Operation[] = [];
  for (const [k, w] of want) {
    if (keep.has(k) || w.amount <= 0n) continue;
    creates.push(Operation.createPassiveSellOffer({ source: t, selling: w.selling, buying: w.buying, amount: amount(w.amount), price: w.price }));
  }
  if (creates.length > 0) {
    ops.push(Operation.beginSponsoringFutureReserves({ source: d.sponsor.publicKey(), sponsoredId: t }), ...creates,
      Operation.endSponsoringFutureReserves({ source: t }));
  }
  return ops;
}

/** Bring the trader's offers in line with its balances, limits and the rate. */
export async function rebalance(d: CurrencyDeps, c: LedgerCurrency, keys: KeyLookup): Promise<number> {
  if (c.peer) return 0; // a peer's trader is its own server's to keep (the hub has no key of it)
  for (let attempt = 0; attempt < 5; attempt++) {
    const trader = await d.server.loadAccount(c.accounts.externalTrader);
    const ops = await offerOps(d, c, trader);
    if (ops.length === 0) return 0;
    const o = await d.submit({ ops, signers: await signersOf(d, keys, ops), solo: true, maintenance: true });
    if (o.ok) return ops.length;
    // Balances moved under us (a payment settled meanwhile): read again and retry.
  }
  throw new Error(`could not rebalance the trader of ${c.code}`);
}
