/**
 * Order-book and payment tests through @stellar/stellar-sdk over HTTP: building
 * worlds of accounts, trustlines and offers in few transactions, submitting and
 * reading back what Horizon answered (result codes, the SDK's offerResults,
 * balances, liabilities, offers, trades and effects), all in exact stroops.
 */
import assert from 'node:assert/strict';
import { Asset, Horizon, Keypair, Operation, TransactionBuilder, hash, xdr } from '@stellar/stellar-sdk';
import { TestNetwork } from '../src/testing';

export const XLM = 10_000_000n;
export const FEE = 100n;

// ---- amounts ------------------------------------------------------------------------

/** Stroops as the SDK's decimal amount string: 20n → '0.0000020'. */
export function amt(stroops: bigint | number): string {
  const s = BigInt(stroops);
  const neg = s < 0n;
  const digits = (neg ? -s : s).toString().padStart(8, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -7)}.${digits.slice(-7)}`;
}

/** A decimal amount (Horizon's '1.5000000', or the SDK's BigNumber strings such as '1e-7') in stroops. */
export function st(amount: string): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]?\d+))?$/i.exec(amount.trim());
  if (!m) throw new Error(`not an amount: ${amount}`);
  const [, sign, int, frac = '', exp = '0'] = m;
  const shift = 7 + Number(exp) - frac.length;
  let v = BigInt(int + frac);
  if (shift >= 0) v *= 10n ** BigInt(shift);
  else {
    const d = 10n ** BigInt(-shift);
    if (v % d !== 0n) throw new Error(`finer than a stroop: ${amount}`);
    v /= d;
  }
  return sign ? -v : v;
}

// ---- building worlds ------------------------------------------------------------------

/** One operation and the account that must sign it (its source, or root). */
export interface Step {
  readonly by: Keypair | null;
  readonly op: xdr.Operation;
}

const src = (k: Keypair): string => k.publicKey();

export const create = (k: Keypair, xlm: string | bigint = '1000'): Step => ({
  by: null,
  op: Operation.createAccount({ destination: k.publicKey(), startingBalance: typeof xlm === 'bigint' ? amt(xlm) : xlm }),
});

export const trust = (k: Keypair, asset: Asset, limit?: string | bigint): Step => ({
  by: k,
  op: Operation.changeTrust({ asset, limit: typeof limit === 'bigint' ? amt(limit) : limit, source: src(k) }),
});

export const pay = (from: Keypair, to: Keypair | string, asset: Asset, amount: string | bigint): Step => ({
  by: from,
  op: Operation.payment({
    destination: typeof to === 'string' ? to : to.publicKey(), asset,
    amount: typeof amount === 'bigint' ? amt(amount) : amount, source: src(from),
  }),
});

export const sell = (k: Keypair, selling: Asset, buying: Asset, amount: string | bigint, price: { n: number; d: number }, offerId = '0'): Step => ({
  by: k,
  op: Operation.manageSellOffer({
    selling, buying, amount: typeof amount === 'bigint' ? amt(amount) : amount, price, offerId, source: src(k),
  }),
});

export const passive = (k: Keypair, selling: Asset, buying: Asset, amount: string | bigint, price: { n: number; d: number }): Step => ({
  by: k,
  op: Operation.createPassiveSellOffer({
    selling, buying, amount: typeof amount === 'bigint' ? amt(amount) : amount, price, source: src(k),
  }),
});

/** AUTH_REQUIRED | AUTH_REVOCABLE on an issuer. */
export const authRequired = (issuer: Keypair): Step => ({
  by: issuer,
  op: Operation.setOptions({ setFlags: 3 as never /* AUTH_REQUIRED (1) | AUTH_REVOCABLE (2) */, source: src(issuer) }),
});

/** Authorize (or with `flag` 'none' deauthorize, 'maintain' authorize to maintain liabilities) a trustline. */
export const authorize = (issuer: Keypair, trustor: Keypair, asset: Asset, flag: 'full' | 'maintain' | 'none' = 'full'): Step => ({
  by: issuer,
  op: Operation.setTrustLineFlags({
    trustor: trustor.publicKey(), asset, source: src(issuer),
    flags: flag === 'full' ? { authorized: true, authorizedToMaintainLiabilities: false }
      : flag === 'maintain' ? { authorized: false, authorizedToMaintainLiabilities: true }
        : { authorized: false, authorizedToMaintainLiabilities: false },
  }),
});

/**
 * Submit steps from root, as few transactions as possible (100 operations and 19
 * extra signers each), in order. Every step must succeed.
 */
export async function setup(net: TestNetwork, steps: Step[]): Promise<void> {
  let i = 0;
  while (i < steps.length) {
    const ops: xdr.Operation[] = [];
    const signers = new Map<string, Keypair>();
    while (i < steps.length && ops.length < 100) {
      const by = steps[i].by;
      if (by && !signers.has(by.publicKey()) && by.publicKey() !== net.root.publicKey()) {
        if (signers.size >= 19) break;
        signers.set(by.publicKey(), by);
      }
      ops.push(steps[i].op);
      i++;
    }
    const out = await run(net, net.root, ops, [...signers.values()]);
    assert.equal(out.transaction, 'tx_success', `setup failed: ${JSON.stringify(out.operations)}`);
  }
}

/** `n` fresh keypairs. */
export const keys = (n: number): Keypair[] => Array.from({ length: n }, () => Keypair.random());

// ---- submitting ------------------------------------------------------------------------

export interface OfferResult {
  offersClaimed: Array<{ sellerId: string; offerId: string; amountSold: string; amountBought: string }>;
  effect: 'manageOfferCreated' | 'manageOfferUpdated' | 'manageOfferDeleted';
  currentOffer?: { offerId: string; amount: string; price: { n: number; d: number } };
  amountBought: string;
  amountSold: string;
  isFullyOpen: boolean;
  wasImmediatelyFilled: boolean;
  wasImmediatelyDeleted: boolean;
  wasPartiallyFilled: boolean;
}

export interface Outcome {
  ok: boolean;
  transaction: string;
  operations: string[];
  hash: string;
  /** The SDK's parsed manage-offer results (successful submissions with offer ops). */
  offerResults: OfferResult[];
  /** result_xdr decoded. */
  result?: xdr.TransactionResult;
}

/** One transaction from `source` (fee 100 per operation); a 400 becomes data. */
export async function run(net: TestNetwork, source: Keypair, ops: xdr.Operation[], signers: Keypair[] = []): Promise<Outcome> {
  try {
    const r = await net.submit(source, ops, signers) as Horizon.HorizonApi.SubmitTransactionResponse & { offerResults?: OfferResult[] };
    const result = xdr.TransactionResult.fromXDR(r.result_xdr, 'base64');
    return {
      ok: true, transaction: 'tx_success', operations: ops.map(() => 'op_success'), hash: r.hash,
      offerResults: r.offerResults ?? [], result,
    };
  } catch (e) {
    const res = (e as { response?: { status: number; data: { extras?: { result_codes?: { transaction: string; operations?: string[] }; hash?: string; result_xdr?: string } } } }).response;
    if (!res?.data?.extras?.result_codes) throw e;
    const ex = res.data.extras;
    return {
      ok: false, transaction: ex.result_codes!.transaction, operations: ex.result_codes!.operations ?? [],
      hash: ex.hash ?? '', offerResults: [],
      result: ex.result_xdr ? xdr.TransactionResult.fromXDR(ex.result_xdr, 'base64') : undefined,
    };
  }
}

/** Submit steps of one account as one transaction. */
export async function act(net: TestNetwork, source: Keypair, ...steps: Step[]): Promise<Outcome> {
  return run(net, source, steps.map((s) => s.op));
}

/** The operation result codes of one transaction (['op_success'] when it succeeded). */
export async function codes(net: TestNetwork, source: Keypair, ...steps: Step[]): Promise<string[]> {
  return (await act(net, source, ...steps)).operations;
}

/** Submit and require success. */
export async function ok(net: TestNetwork, source: Keypair, ...steps: Step[]): Promise<Outcome> {
  const out = await act(net, source, ...steps);
  assert.equal(out.transaction, 'tx_success', `expected success, got ${out.transaction} ${JSON.stringify(out.operations)}`);
  return out;
}

/** The i-th operation's inner result as xdr (from result_xdr). */
export function opResult(out: Outcome, i = 0): xdr.OperationResult {
  assert.ok(out.result, 'no result_xdr');
  return out.result.result().results()[i];
}

/** Claimed offers of a path payment's result, as [offerId, sold, bought] in stroops. */
export function pathClaims(out: Outcome, i = 0): Array<[string, bigint, bigint]> {
  const tr = opResult(out, i).tr();
  const success = tr.switch().name === 'pathPaymentStrictSend'
    ? tr.pathPaymentStrictSendResult().success()
    : tr.pathPaymentStrictReceiveResult().success();
  return success.offers().map((a) => {
    const o = a.orderBook();
    return [o.offerId().toString(), o.amountSold().toBigInt(), o.amountBought().toBigInt()];
  });
}

/** Claimed offers of an offer operation (the SDK's offerResults), as [offerId, sold, bought] in stroops. */
export function claims(r: OfferResult): Array<[string, bigint, bigint]> {
  return r.offersClaimed.map((c) => [c.offerId, st(c.amountSold), st(c.amountBought)]);
}

// ---- reading back ----------------------------------------------------------------------

type Line = Horizon.HorizonApi.BalanceLine;

function matches(b: Line, a: Asset): boolean {
  if (a.isNative()) return b.asset_type === 'native';
  return 'asset_code' in b && b.asset_code === a.getCode() && b.asset_issuer === a.getIssuer();
}

/** The account's balance line for `asset` (undefined when it holds no trustline). */
export async function line(net: TestNetwork, k: Keypair | string, a: Asset): Promise<Line | undefined> {
  const acc = await net.server.loadAccount(typeof k === 'string' ? k : k.publicKey());
  return acc.balances.find((b) => matches(b, a));
}

/** Balance in stroops (0 without a trustline). */
export async function bal(net: TestNetwork, k: Keypair | string, a: Asset): Promise<bigint> {
  const l = await line(net, k, a);
  return l ? st(l.balance) : 0n;
}

/** Several balances at once, in stroops, in the order asked. */
export async function bals(net: TestNetwork, k: Keypair, ...assets: Asset[]): Promise<bigint[]> {
  const acc = await net.server.loadAccount(k.publicKey());
  return assets.map((a) => {
    const l = acc.balances.find((b) => matches(b, a));
    return l ? st(l.balance) : 0n;
  });
}

/** [buying, selling] liabilities of a balance line, in stroops. */
export async function liabilities(net: TestNetwork, k: Keypair, a: Asset): Promise<[bigint, bigint]> {
  const l = (await line(net, k, a)) as { buying_liabilities: string; selling_liabilities: string };
  return [st(l.buying_liabilities), st(l.selling_liabilities)];
}

export async function subentries(net: TestNetwork, k: Keypair): Promise<number> {
  return (await net.server.loadAccount(k.publicKey())).subentry_count;
}

/** The account's open offers as [id, amount in stroops, price n/d], by id. */
export async function offers(net: TestNetwork, k: Keypair): Promise<Array<[string, bigint, string]>> {
  const page = await net.server.offers().forAccount(k.publicKey()).limit(200).call();
  return page.records.map((o) => [String(o.id), st(o.amount), `${o.price_r.n}/${o.price_r.d}`]);
}

/** One offer's amount in stroops, or null when it is gone (404). */
export async function offerAmount(net: TestNetwork, id: string): Promise<bigint | null> {
  try {
    return st((await net.server.offers().offer(id).call()).amount);
  } catch (e) {
    if ((e as { response?: { status: number } }).response?.status === 404) return null;
    throw e;
  }
}

/**
 * A transaction whose operation the SDK refuses to represent (e.g. an invalid
 * asset code): built with `valid`, then `mutate`d, re-signed and POSTed as raw XDR.
 */
export async function submitMutated(
  net: TestNetwork, source: Keypair, valid: xdr.Operation, mutate: (op: xdr.Operation) => void,
): Promise<{ status: number; transaction?: string; operations?: string[] }> {
  const acc = await net.server.loadAccount(source.publicKey());
  const tx = new TransactionBuilder(acc, { fee: '100', networkPassphrase: net.passphrase })
    .addOperation(valid).setTimeout(0).build();
  const env = tx.toEnvelope();
  mutate(env.v1().tx().operations()[0]);
  const payload = Buffer.concat([
    hash(Buffer.from(net.passphrase)), Buffer.from([0, 0, 0, 2]) /* ENVELOPE_TYPE_TX */, env.v1().tx().toXDR(),
  ]);
  const sig = source.sign(hash(payload));
  env.v1().signatures([new xdr.DecoratedSignature({ hint: source.signatureHint(), signature: sig })]);
  const res = await fetch(`${net.url}/transactions`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `tx=${encodeURIComponent(env.toXDR('base64'))}`,
  });
  const body = await res.json() as { extras?: { result_codes?: { transaction: string; operations?: string[] } } };
  return { status: res.status, ...body.extras?.result_codes };
}
