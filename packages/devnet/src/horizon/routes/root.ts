/** GET /, /fee_stats and friendbot. */
import { StrKey } from '@stellar/stellar-sdk';
import { Ctx, Reply } from '../context';
import { param } from '../params';
import { badParam, txFailed } from '../problem';
import { transactionJson } from '../resources';
import { SubmitOutcome } from '../backend';

export const HORIZON_VERSION = 'intertrade-devnet-2.32.0';

export function root(ctx: Ctx): Reply {
  const b = ctx.base;
  const h = ctx.backend.history;
  const latest = h.latestLedger();
  const t = (href: string) => ({ href: b + href, templated: true });
  const seq = latest?.sequence ?? 0;
  const protocol = latest?.protocolVersion ?? 21;
  return {
    body: {
      _links: {
        account: t('/accounts/{account_id}'),
        accounts: t('/accounts{?signer,sponsor,asset,liquidity_pool,cursor,limit,order}'),
        account_transactions: t('/accounts/{account_id}/transactions{?cursor,limit,order}'),
        effects: t('/effects{?cursor,limit,order}'),
        fee_stats: { href: `${b}/fee_stats` },
        friendbot: t('/friendbot{?addr}'),
        ledger: t('/ledgers/{sequence}'),
        ledgers: t('/ledgers{?cursor,limit,order}'),
        offer: t('/offers/{offer_id}'),
        offers: t('/offers{?selling,buying,seller,sponsor,cursor,limit,order}'),
        operation: t('/operations/{id}'),
        operations: t('/operations{?cursor,limit,order,include_failed}'),
        order_book: t('/order_book{?selling_asset_type,selling_asset_code,selling_asset_issuer,buying_asset_type,buying_asset_code,buying_asset_issuer,limit}'),
        payments: t('/payments{?cursor,limit,order,include_failed}'),
        self: { href: `${b}/` },
        strict_receive_paths: t('/paths/strict-receive{?source_assets,source_account,destination_account,destination_asset_type,destination_asset_issuer,destination_asset_code,destination_amount}'),
        strict_send_paths: t('/paths/strict-send{?destination_account,destination_assets,source_asset_type,source_asset_issuer,source_asset_code,source_amount}'),
        trades: t('/trades{?base_asset_type,base_asset_code,base_asset_issuer,counter_asset_type,counter_asset_code,counter_asset_issuer}'),
        transaction: t('/transactions/{hash}'),
        transactions: t('/transactions{?cursor,limit,order}'),
      },
      horizon_version: HORIZON_VERSION,
      core_version: 'intertrade-devnet (embedded stellar-core semantics)',
      ingest_latest_ledger: seq,
      history_latest_ledger: seq,
      history_latest_ledger_closed_at: latest?.closedAt ?? null,
      history_elder_ledger: h.elderLedger()?.sequence ?? 0,
      core_latest_ledger: seq,
      network_passphrase: ctx.backend.passphrase,
      current_protocol_version: protocol,
      supported_protocol_version: protocol,
      core_supported_protocol_version: protocol,
    },
  };
}

/** Horizon's fee_stats over the last 5 ledgers: fees per operation, as strings. */
export function feeStats(ctx: Ctx): Reply {
  const h = ctx.backend.history;
  const latest = h.latestLedger();
  const baseFee = latest?.baseFee ?? ctx.backend.header().baseFee;
  const charged: bigint[] = [];
  const max: bigint[] = [];
  let capacity = 0;
  if (latest) {
    const txs = h.transactionPage({ order: 'desc', limit: 200 }, { includeFailed: true });
    for (const tx of txs) {
      if (tx.ledger <= latest.sequence - 5) break;
      const ops = BigInt(Math.max(1, tx.operationCount));
      charged.push(tx.feeCharged / ops);
      max.push(tx.maxFee / ops);
    }
    capacity = latest.maxTxSetSize > 0 ? Math.min(1, latest.txSetOperationCount / latest.maxTxSetSize) : 0;
  }
  return {
    body: {
      last_ledger: String(latest?.sequence ?? 0),
      last_ledger_base_fee: String(baseFee),
      ledger_capacity_usage: capacity.toFixed(2),
      fee_charged: distribution(charged, BigInt(baseFee)),
      max_fee: distribution(max, BigInt(baseFee)),
    },
  };
}

function distribution(values: bigint[], fallback: bigint): Record<string, string> {
  const v = values.length ? [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)) : [fallback];
  const pct = (p: number): string => v[Math.min(v.length - 1, Math.max(0, Math.ceil((p / 100) * v.length) - 1))].toString();
  const counts = new Map<bigint, number>();
  let mode = v[0];
  for (const x of v) {
    const c = (counts.get(x) ?? 0) + 1;
    counts.set(x, c);
    if (c > counts.get(mode)! || (c === counts.get(mode)! && x < mode)) mode = x;
  }
  const out: Record<string, string> = { max: v[v.length - 1].toString(), min: v[0].toString(), mode: mode.toString() };
  for (const p of [10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99]) out[`p${p}`] = pct(p);
  return out;
}

/** Quickstart's friendbot: funds a new account and answers with its transaction. */
export async function friendbot(ctx: Ctx): Promise<Reply> {
  const addr = param(ctx.url, 'addr');
  if (addr === undefined || !StrKey.isValidEd25519PublicKey(addr)) {
    throw badParam('addr', "addr must be the account ID ('G…') to fund");
  }
  const outcome: SubmitOutcome = await ctx.backend.friendbot(addr);
  if (outcome.ok) return { body: transactionJson(outcome.record, ctx.base) };
  if ('malformed' in outcome) throw badParam('addr', outcome.malformed);
  throw txFailed({
    envelope_xdr: outcome.envelopeXdr,
    result_xdr: outcome.resultXdr,
    hash: outcome.hash,
    result_codes: outcome.codes,
  });
}
