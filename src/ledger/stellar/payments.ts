/**
 * Quotes from Horizon's path endpoints and payments as one operation: a plain payment
 * within a currency, a strict-receive path payment across currencies
 * (A → HOUR(A) → … → HOUR(B) → B). Ledger result codes become the core's errors here.
 */
import { Asset, FeeBumpTransaction, Horizon, Operation, Transaction, xdr } from '@stellar/stellar-sdk';
import { formatAmount, fromHour, parseAmount, toHour } from '../../core/amounts';
import { Endpoint, KeyLookup, LedgerCurrency, LedgerError, PaymentOrder, Quote, Settlement, SubmitHook } from '../../core/ledger';
import { assetFromId, assetFromRecord, assetId, hourAsset, localAsset } from './assets';
import { keypairs } from './currency';
import { JobOutcome, SubmissionJob, operationResults } from './submitter';

const stroops = (s: string): bigint => parseAmount(s, { allowZero: true }) as bigint;

/** What a failed payment operation means to the people paying. */
export function paymentError(code: string): LedgerError | null {
  switch (code) {
    case 'op_underfunded': return LedgerError.InsufficientBalance;
    case 'op_too_few_offers': return LedgerError.CreditLineFull;
    case 'op_over_source_max': return LedgerError.PriceMoved;
    case 'op_line_full': return LedgerError.PayeeFull;
    case 'op_src_not_authorized': case 'op_not_authorized': case 'op_no_trust': case 'op_src_no_trust':
    case 'op_no_destination': return LedgerError.Blocked;
    default: return null;
  }
}

type PathRecord = { source_amount: string; destination_amount: string; path: Array<{ asset_type: string; asset_code?: string; asset_issuer?: string }> };

function toQuote(r: PathRecord): Quote {
  return {
    sourceAmount: stroops(r.source_amount),
    destAmount: stroops(r.destination_amount),
    path: r.path.map((a) => assetId(assetFromRecord(a))),
  };
}

export async function quoteReceive(server: Horizon.Server, from: Endpoint, to: Endpoint, destAmount: bigint): Promise<Quote | LedgerError> {
  const page = await server.strictReceivePaths([localAsset(from.currency)], localAsset(to.currency), formatAmount(destAmount)).call();
  const viable = (page.records as unknown as PathRecord[]).map(toQuote).filter((q) => q.destAmount === destAmount);
  if (viable.length === 0) return LedgerError.NoPath;
  return viable.reduce((best, q) => (q.sourceAmount < best.sourceAmount ? q : best));
}

export async function quoteSend(server: Horizon.Server, from: Endpoint, to: Endpoint, sourceAmount: bigint): Promise<Quote | LedgerError> {
  const page = await server.strictSendPaths(localAsset(from.currency), formatAmount(sourceAmount), [localAsset(to.currency)]).call();
  const viable = (page.records as unknown as PathRecord[]).map(toQuote).filter((q) => q.sourceAmount === sourceAmount && q.destAmount > 0n);
  if (viable.length === 0) return LedgerError.NoPath;
  return viable.reduce((best, q) => (q.destAmount > best.destAmount ? q : best));
}

/**
 * Price a chosen route: payer local → HOUR(payer) → HOUR(via)… → HOUR(payee) → payee
 * local. HOUR hops are 1:1; each local leg is rounded up, and one stroop per hop is
 * allowed for the book's rounding, so sendMax covers what the ledger will charge (the
 * settlement reports what was actually paid).
 */
export function quoteRoute(from: Endpoint, to: Endpoint, via: LedgerCurrency[], destAmount: bigint): Quote {
  const hour = toHour(destAmount, to.currency.rate, 'up');
  const hops = BigInt(via.length + 3);
  const source = fromHour(hour + hops, from.currency.rate, 'up');
  const path = [from.currency, ...via, to.currency].map((c) => assetId(hourAsset(c)));
  return { sourceAmount: source, destAmount, path };
}

/** What the payer actually paid: the first hop's claims, or the amount of a plain payment. */
export function paidBy(result: xdr.OperationResult, source: Asset, fallback: bigint): bigint {
  const tr = result.tr();
  if (tr.switch().name !== 'pathPaymentStrictReceive') return fallback;
  const offers = tr.pathPaymentStrictReceiveResult().success().offers();
  if (offers.length === 0) return fallback; // same asset, no crossing
  let paid = 0n;
  for (const atom of offers) {
    const v = atom.value() as { assetBought(): xdr.Asset; amountBought(): xdr.Int64 };
    if (Asset.fromOperation(v.assetBought()).equals(source)) paid += BigInt(v.amountBought().toString());
  }
  return paid;
}

/**
 * What the payer of `order` paid in a settled envelope: its operation is found by
 * payer, payee and amount (batch-mates with the same three paid the same price).
 */
export function paidInEnvelope(envelope: Transaction | FeeBumpTransaction, resultXdr: string, order: PaymentOrder): bigint | undefined {
  const inner = envelope instanceof FeeBumpTransaction ? envelope.innerTransaction : envelope;
  const amount = formatAmount(order.destAmount);
  const i = inner.operations.findIndex((op) => op.source === order.from.publicKey
    && (op.type === 'pathPaymentStrictReceive' ? op.destination === order.to.publicKey && op.destAmount === amount
      : op.type === 'payment' ? op.destination === order.to.publicKey && op.amount === amount : false));
  if (i < 0) return undefined;
  return paidBy(operationResults(resultXdr)[i], localAsset(order.from.currency), order.destAmount);
}

export async function pay(
  submit: (job: SubmissionJob) => Promise<JobOutcome>, order: PaymentOrder, keys: KeyLookup, onSubmit?: SubmitHook,
): Promise<Settlement | LedgerError> {
  const source = localAsset(order.from.currency);
  const dest = localAsset(order.to.currency);
  const local = order.from.currency.code === order.to.currency.code && order.from.currency.accounts.issuer === order.to.currency.accounts.issuer;
  const op = local
    ? Operation.payment({ source: order.from.publicKey, destination: order.to.publicKey, asset: dest, amount: formatAmount(order.destAmount) })
    : Operation.pathPaymentStrictReceive({
      source: order.from.publicKey,
      sendAsset: source,
      sendMax: formatAmount(order.sendMax),
      destination: order.to.publicKey,
      destAsset: dest,
      destAmount: formatAmount(order.destAmount),
      path: order.path.map(assetFromId),
    });
  // Members' accounts are co-signed by their community's admin: one signature for all
  // of a community's payments lets the engine batch many payments per transaction.
  const signers = await keypairs(keys, order.from.currency.accounts.admin);
  // A peer server reads only the first payment of a transaction: never batch one to it.
  const outcome = await submit({ ops: [op], signers, onSubmit, solo: order.to.currency.peer === true || undefined });
  if (!outcome.ok) {
    const e = paymentError(outcome.code);
    if (e) return e;
    throw new Error(`payment ${order.id} failed on the ledger: ${outcome.code}`);
  }
  return { hash: outcome.hash, ledger: outcome.ledger, sourceAmount: paidBy(outcome.results[0], source, order.destAmount) };
}
