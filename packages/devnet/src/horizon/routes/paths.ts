/**
 * /paths/strict-receive and /paths/strict-send with Horizon's parameters. The search
 * is paths.ts's (Horizon's bounded relaxation); with source_account or
 * destination_account it uses that account's holdings, as Horizon does.
 */
import { PathRecord, StrictReceiveQuery, StrictSendQuery, findStrictReceivePaths, findStrictSendPaths } from '../../paths';
import { Ctx, Reply } from '../context';
import { amount, assetFields } from '../format';
import {
  accountId, amountParam, assetListParam, assetParams, param,
} from '../params';
import { badParam } from '../problem';

function render(ctx: Ctx, found: PathRecord[]): Reply {
  const records = found.map((p) => ({
    ...assetFields(p.source_asset, 'source_'),
    source_amount: amount(p.source_amount),
    ...assetFields(p.destination_asset, 'destination_'),
    destination_amount: amount(p.destination_amount),
    path: p.path.map((a) => assetFields(a)),
  }));
  const self = { href: ctx.base + ctx.url.pathname + ctx.url.search };
  return { body: { _links: { self, next: self, prev: self }, _embedded: { records } } };
}

/** Exactly one of two alternative parameters. */
function oneOf(ctx: Ctx, a: string, b: string): 'a' | 'b' {
  const hasA = param(ctx.url, a) !== undefined;
  const hasB = param(ctx.url, b) !== undefined;
  if (hasA && hasB) throw badParam(a, `set either ${a} or ${b}, not both`);
  if (!hasA && !hasB) throw badParam(a, `one of ${a} or ${b} is required`);
  return hasA ? 'a' : 'b';
}

export function strictReceive(ctx: Ctx): Reply {
  const destinationAsset = assetParams(ctx.url, 'destination_');
  if (destinationAsset === undefined) throw badParam('destination_asset_type', 'destination_asset_type is required');
  const destinationAmount = amountParam(param(ctx.url, 'destination_amount'), 'destination_amount');
  // destination_account is accepted and, as in Horizon, does not constrain the search.
  const dest = param(ctx.url, 'destination_account');
  if (dest !== undefined) accountId(dest, 'destination_account');
  const q: StrictReceiveQuery = { destinationAsset, destinationAmount, baseReserve: ctx.backend.header().baseReserve };
  if (oneOf(ctx, 'source_assets', 'source_account') === 'a') {
    q.sourceAssets = assetListParam(param(ctx.url, 'source_assets')!, 'source_assets');
  } else {
    q.sourceAccount = accountId(param(ctx.url, 'source_account'), 'source_account');
  }
  return render(ctx, findStrictReceivePaths(ctx.backend.state, q));
}

export function strictSend(ctx: Ctx): Reply {
  const sourceAsset = assetParams(ctx.url, 'source_');
  if (sourceAsset === undefined) throw badParam('source_asset_type', 'source_asset_type is required');
  const sourceAmount = amountParam(param(ctx.url, 'source_amount'), 'source_amount');
  const q: StrictSendQuery = { sourceAsset, sourceAmount };
  if (oneOf(ctx, 'destination_assets', 'destination_account') === 'a') {
    q.destinationAssets = assetListParam(param(ctx.url, 'destination_assets')!, 'destination_assets');
  } else {
    q.destinationAccount = accountId(param(ctx.url, 'destination_account'), 'destination_account');
  }
  return render(ctx, findStrictSendPaths(ctx.backend.state, q));
}
