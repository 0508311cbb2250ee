/**
 * History collections: ledgers, transactions, operations, payments, effects, trades —
 * global, per account, per ledger, per transaction and per operation.
 */
import { HistoryFilter, Key, ledgerToid } from '../../history/store';
import { serveCollection } from '../collection';
import { Ctx, Reply } from '../context';
import { param, uintParam } from '../params';
import { badParam, notFound } from '../problem';
import {
  effectJson, ledgerJson, operationJson, tradeJson, transactionJson,
} from '../resources';
import { Source } from '../source';
import { OperationRecord, TradeRecord } from '../../history/records';

export type HistoryKind = 'transactions' | 'operations' | 'payments' | 'effects' | 'trades';

/** Position just after the latest closed ledger: where a 'now' stream starts. */
function nowKey(ctx: Ctx): Key {
  const last = ctx.backend.history.latestLedger()?.sequence ?? 0;
  return { major: ledgerToid(last + 1), minor: -1 };
}

function boolParam(ctx: Ctx, name: string): boolean {
  const v = param(ctx.url, name);
  if (v === undefined) return false;
  if (v !== 'true' && v !== 'false') throw badParam(name, `${name} must be 'true' or 'false'`);
  return v === 'true';
}

function joinTransactions(ctx: Ctx): boolean {
  const v = param(ctx.url, 'join');
  if (v === undefined) return false;
  if (v !== 'transactions') throw badParam('join', "join accepts only 'transactions'");
  return true;
}

function renderOp(ctx: Ctx, join: boolean): (o: OperationRecord) => Record<string, unknown> {
  return (o) => {
    const json = operationJson(o, ctx.base);
    if (join) {
      const t = ctx.backend.history.transaction(o.transactionHash);
      if (t) json.transaction = transactionJson(t, ctx.base);
    }
    return json;
  };
}

/** Serves one history collection under `filter` (account, ledger, transaction, operation). */
export function serveHistory(ctx: Ctx, kind: HistoryKind, filter: HistoryFilter): Reply {
  const h = ctx.backend.history;
  const now = (): Key => nowKey(ctx);
  switch (kind) {
    case 'transactions': {
      const f = { ...filter, includeFailed: filter.transaction !== undefined || boolParam(ctx, 'include_failed') };
      return serveCollection(ctx, {
        page: (q) => h.transactionPage(q, f),
        token: (t) => t.pagingToken,
        render: (t) => transactionJson(t, ctx.base),
        now,
      });
    }
    case 'operations':
    case 'payments': {
      const f = { ...filter, includeFailed: filter.transaction !== undefined || boolParam(ctx, 'include_failed') };
      const join = joinTransactions(ctx);
      return serveCollection<OperationRecord>(ctx, {
        page: kind === 'operations' ? (q) => h.operationPage(q, f) : (q) => h.paymentPage(q, f),
        token: (o) => o.id,
        render: renderOp(ctx, join),
        now,
      });
    }
    case 'effects':
      return serveCollection(ctx, {
        page: (q) => h.effectPage(q, filter),
        token: (e) => e.pagingToken,
        render: (e) => effectJson(e, ctx.base),
        now,
      });
    case 'trades': {
      const src: Source<TradeRecord> = {
        page: (q) => h.tradePage(q, filter),
        token: (t) => t.id,
        render: (t) => tradeJson(t, ctx.base),
        now,
      };
      return serveCollection(ctx, src);
    }
  }
}

export function ledgers(ctx: Ctx): Reply {
  const h = ctx.backend.history;
  return serveCollection(ctx, {
    page: (q) => h.ledgerPage(q),
    token: (l) => ledgerToid(l.sequence).toString(),
    render: (l) => ledgerJson(l, ctx.base),
    now: () => nowKey(ctx),
  });
}

function ledgerSeq(ctx: Ctx): number {
  return uintParam(ctx.params[0], 'sequence', 0xffffffff);
}

export function ledger(ctx: Ctx): Reply {
  const l = ctx.backend.history.ledger(ledgerSeq(ctx));
  if (!l) throw notFound();
  return { body: ledgerJson(l, ctx.base) };
}

export function ledgerChildren(kind: HistoryKind) {
  return (ctx: Ctx): Reply => {
    const seq = ledgerSeq(ctx);
    if (!ctx.backend.history.ledger(seq)) throw notFound();
    return serveHistory(ctx, kind, { ledger: seq });
  };
}

const HASH = /^[0-9a-f]{64}$/;

function txHash(ctx: Ctx): string {
  const hash = ctx.params[0].toLowerCase();
  if (!HASH.test(hash)) throw badParam('tx_id', 'tx_id must be a 64-character hex transaction hash');
  return hash;
}

export function transaction(ctx: Ctx): Reply {
  const t = ctx.backend.history.transaction(txHash(ctx));
  if (!t) throw notFound();
  return { body: transactionJson(t, ctx.base) };
}

export function transactionChildren(kind: HistoryKind) {
  return (ctx: Ctx): Reply => {
    const t = ctx.backend.history.transaction(txHash(ctx));
    if (!t) throw notFound();
    return serveHistory(ctx, kind, { transaction: t.hash });
  };
}

function opId(ctx: Ctx): string {
  const id = ctx.params[0];
  if (!/^\d{1,19}$/.test(id)) throw badParam('id', 'id must be an operation id (an unsigned integer)');
  return id;
}

export function operation(ctx: Ctx): Reply {
  const o = ctx.backend.history.operation(opId(ctx));
  if (!o) throw notFound();
  const json = renderOp(ctx, joinTransactions(ctx))(o);
  return { body: json };
}

export function operationEffects(ctx: Ctx): Reply {
  const o = ctx.backend.history.operation(opId(ctx));
  if (!o) throw notFound();
  return serveHistory(ctx, 'effects', { operation: o.id });
}

/** /trades?offer_id=… ; other filters are not supported by the embedded network. */
export function trades(ctx: Ctx): Reply {
  const raw = param(ctx.url, 'offer_id');
  const filter: HistoryFilter = raw === undefined ? {} : { offerId: BigInt(uintParam(raw, 'offer_id')) };
  for (const p of ['base_asset_type', 'counter_asset_type', 'liquidity_pool_id']) {
    if (param(ctx.url, p) !== undefined) throw badParam(p, `${p} is not supported by the embedded network; filter by offer_id or account`);
  }
  const type = param(ctx.url, 'trade_type');
  if (type !== undefined && type !== 'all' && type !== 'orderbook' && type !== 'liquidity_pool') {
    throw badParam('trade_type', "trade_type must be 'all', 'orderbook' or 'liquidity_pool'");
  }
  if (type === 'liquidity_pool') return serveCollectionEmpty(ctx);
  return serveHistory(ctx, 'trades', filter);
}

function serveCollectionEmpty(ctx: Ctx): Reply {
  return serveCollection(ctx, { page: () => [], token: () => '', render: () => ({}) });
}
