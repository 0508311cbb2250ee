/** /accounts/{id}, its data entries and its history collections. */
import { AccountEntry } from '../../state/entries';
import { pageBody } from '../collection';
import { Ctx, Reply } from '../context';
import { accountId, canonicalAssetParam, pageParams, param } from '../params';
import { badParam, notFound } from '../problem';
import { accountJson } from '../resources';
import { HistoryKind, serveHistory } from './history';

export function account(ctx: Ctx): Reply {
  const id = accountId(ctx.params[0], 'account_id');
  const a = ctx.backend.state.getAccount(id);
  if (!a) throw notFound();
  return { body: accountJson(a, ctx.backend.state, ctx.backend.history, ctx.base) };
}

export function accountData(ctx: Ctx): Reply {
  const id = accountId(ctx.params[0], 'account_id');
  let key: string;
  try {
    key = decodeURIComponent(ctx.params[1]);
  } catch {
    throw badParam('key', 'key is not a valid URL-encoded data entry name');
  }
  const d = ctx.backend.state.getData(id, key);
  if (!d) throw notFound();
  const body: Record<string, unknown> = { value: d.value.toString('base64') };
  if (d.sponsor) body.sponsor = d.sponsor;
  return { body };
}

export function accountHistory(kind: HistoryKind) {
  return (ctx: Ctx): Reply => serveHistory(ctx, kind, { account: accountId(ctx.params[0], 'account_id') });
}

/**
 * /accounts?signer=|sponsor=|asset= — Horizon requires exactly one filter; pages are
 * ordered by account id, which is also the paging token.
 */
export function accountList(ctx: Ctx): Reply {
  const { state, history } = ctx.backend;
  const signer = param(ctx.url, 'signer');
  const sponsor = param(ctx.url, 'sponsor');
  const assetRaw = param(ctx.url, 'asset');
  const given = [signer, sponsor, assetRaw, param(ctx.url, 'liquidity_pool')].filter((v) => v !== undefined).length;
  if (given !== 1) throw badParam('signer', 'exactly one of signer, sponsor, asset or liquidity_pool is required');
  if (param(ctx.url, 'liquidity_pool') !== undefined) throw badParam('liquidity_pool', 'liquidity pools are not supported by the embedded network');
  let keep: (a: AccountEntry) => boolean;
  if (signer !== undefined) {
    const s = accountId(signer, 'signer');
    keep = (a) => a.accountId === s || a.signers.some((x) => x.key === s);
  } else if (sponsor !== undefined) {
    const s = accountId(sponsor, 'sponsor');
    keep = (a) => a.sponsor === s
      || state.trustLinesOf(a.accountId).some((t) => t.sponsor === s)
      || state.dataOf(a.accountId).some((d) => d.sponsor === s)
      || a.signers.some((x) => x.sponsor === s);
  } else {
    const asset = canonicalAssetParam(assetRaw!, 'asset');
    keep = (a) => state.getTrustLine(a.accountId, asset) !== undefined;
  }
  const cursor = param(ctx.url, 'cursor');
  const order = param(ctx.url, 'order') ?? 'asc';
  if (order !== 'asc' && order !== 'desc') throw badParam('order', "order must be 'asc' or 'desc'");
  const q = pageParams(new URL(`${ctx.url.pathname}?order=${order}&limit=${param(ctx.url, 'limit') ?? 10}`, ctx.base));
  const all = [...state.allAccounts()].filter(keep).sort((a, b) => (a.accountId < b.accountId ? -1 : 1));
  let list = cursor === undefined ? all
    : all.filter((a) => (order === 'asc' ? a.accountId > cursor : a.accountId < cursor));
  if (order === 'desc') list = list.reverse();
  list = list.slice(0, q.limit);
  const records = list.map((a) => accountJson(a, state, history, ctx.base));
  return { body: pageBody(ctx, { ...q, rawCursor: cursor }, records, list.map((a) => a.accountId)) };
}
