/**
 * Horizon's path finding (/paths/strict-send, /paths/strict-receive), after
 * exp/orderbook/search.go: a bounded relaxation over the order-book graph, one
 * hop per round, keeping per asset the best amount found so far and recording a
 * path each time an acceptable end asset improves.
 *
 * Amounts are computed by crossing the offers of each book with exchange.ts in
 * the path-payment rounding modes, so a quoted path settles exactly (as long as
 * the book does not change). Like Horizon, sellers' balances and limits are not
 * consulted: offers are taken at their face amount.
 *
 * Speed: per-asset adjacency is built once per order-book version and reused;
 * each round only re-expands assets whose amount improved in the previous round
 * (re-expanding the others cannot improve anything, so results are unchanged).
 */
import { AccountId, AssetKey, INT64_MAX, NATIVE, OfferEntry } from './state/entries';
import { LedgerState } from './state/ledger-state';
import { availableBalance, holding } from './state/balances';
import { exchangeV10WithoutPriceErrorThresholds } from './exchange';
import { MAX_OFFERS_TO_CROSS } from './offers';

export const DEFAULT_MAX_PATH_LENGTH = 3;
export const MAX_PATH_LENGTH_CAP = 5;
export const MAX_PATHS_PER_ASSET = 5;

export interface PathRecord {
  readonly source_asset: AssetKey;
  readonly source_amount: bigint;
  readonly destination_asset: AssetKey;
  readonly destination_amount: bigint;
  /** Intermediate assets, source side first (what the path payment op takes). */
  readonly path: AssetKey[];
}

export interface StrictSendQuery {
  sourceAsset: AssetKey;
  sourceAmount: bigint;
  /** Acceptable destination assets; or give destinationAccount to use what it holds. */
  destinationAssets?: readonly AssetKey[];
  destinationAccount?: AccountId;
  /** Hops, default 3, at most 5. */
  maxLength?: number;
}

export interface StrictReceiveQuery {
  /** Acceptable source assets; or give sourceAccount to use what it holds (balances checked). */
  sourceAssets?: readonly AssetKey[];
  sourceAccount?: AccountId;
  destinationAsset: AssetKey;
  destinationAmount: bigint;
  maxLength?: number;
  /** For a source account's spendable native balance; default 0.5 XLM. */
  baseReserve?: bigint;
}

// ---- the graph, cached per order-book version -------------------------------------

interface Edge {
  readonly next: number;
  /** The live book (best first): offers selling one asset of the edge for the other. */
  readonly book: readonly OfferEntry[];
}

interface Graph {
  readonly ids: Map<AssetKey, number>;
  readonly assets: AssetKey[];
  /** by asset: books selling it (edge to what they buy) — strict-receive walks these. */
  readonly selling: Edge[][];
  /** by asset: books buying it (edge to what they sell) — strict-send walks these. */
  readonly buying: Edge[][];
}

const graphs = new WeakMap<LedgerState, { version: number; graph: Graph }>();

function graphOf(state: LedgerState): Graph {
  const cached = graphs.get(state);
  if (cached && cached.version === state.offersVersion) return cached.graph;
  const ids = new Map<AssetKey, number>();
  const assets: AssetKey[] = [];
  const selling: Edge[][] = [];
  const buying: Edge[][] = [];
  const id = (a: AssetKey): number => {
    let i = ids.get(a);
    if (i === undefined) {
      i = assets.length;
      ids.set(a, i);
      assets.push(a);
      selling.push([]);
      buying.push([]);
    }
    return i;
  };
  for (const [sell, buy] of state.bookPairs()) {
    const s = id(sell);
    const b = id(buy);
    const book = state.book(sell, buy);
    selling[s].push({ next: b, book });
    buying[b].push({ next: s, book });
  }
  const graph = { ids, assets, selling, buying };
  graphs.set(state, { version: state.offersVersion, graph });
  return graph;
}

// ---- one hop, with the ops' arithmetic ---------------------------------------------------
// In the path-payment rounding modes the price-error thresholds never change the
// amounts (they only assert invariants), so quoting skips them for speed.

/**
 * Sheep needed to receive exactly `wheat` from this book (strict receive), or
 * null when the book cannot deliver it. Offers of `ignore` are skipped.
 */
function sheepNeeded(book: readonly OfferEntry[], wheat: bigint, ignore: AccountId | undefined): bigint | null {
  let left = wheat;
  let sheep = 0n;
  let crossed = 0;
  for (const o of book) {
    if (o.sellerId === ignore) continue;
    if (++crossed > MAX_OFFERS_TO_CROSS) return null;
    const r = exchangeV10WithoutPriceErrorThresholds(o.price, o.amount, left, INT64_MAX, INT64_MAX, 'strictReceive');
    sheep += r.sheepSend;
    left -= r.wheatReceived;
    if (left === 0n) return sheep > INT64_MAX ? null : sheep;
    if (r.wheatStays) return null;
  }
  return null;
}

/** Wheat received for spending exactly `sheep` on this book (strict send), or null. */
function wheatReceived(book: readonly OfferEntry[], sheep: bigint): bigint | null {
  let left = sheep;
  let wheat = 0n;
  let crossed = 0;
  for (const o of book) {
    if (++crossed > MAX_OFFERS_TO_CROSS) return null;
    const r = exchangeV10WithoutPriceErrorThresholds(o.price, o.amount, INT64_MAX, left, INT64_MAX, 'strictSend');
    wheat += r.wheatReceived;
    left -= r.sheepSend;
    if (left === 0n) return wheat;
    if (r.wheatStays) return null;
  }
  return null;
}

// ---- the search (search.go) --------------------------------------------------------------

interface Node {
  readonly asset: number;
  readonly prev: Node | null;
}

function contains(n: Node | null, asset: number): boolean {
  for (let c = n; c; c = c.prev) if (c.asset === asset) return true;
  return false;
}

function nodePath(n: Node): number[] {
  const out: number[] = [];
  for (let c: Node | null = n; c; c = c.prev) out.push(c.asset);
  return out.reverse();
}

interface Found {
  end: number;
  amount: bigint;
  /** Assets from the search start to the end, both included. */
  nodes: number[];
}

function search(
  start: number, amount: bigint, maxLength: number, edgesOf: Edge[][], total: number,
  isTerminal: (asset: number) => boolean, accept: (asset: number, amount: bigint) => boolean,
  better: (current: bigint, alternative: bigint) => boolean,
  hop: (book: readonly OfferEntry[], amount: bigint) => bigint | null,
): Found[] {
  const found: Found[] = [];
  const best = new Array<bigint>(total).fill(0n);
  const bestPath = new Array<Node | null>(total).fill(null);
  const update = new Array<bigint>(total).fill(0n);
  const updatePath = new Array<Node | null>(total).fill(null);
  best[start] = amount;
  update[start] = amount;
  bestPath[start] = { asset: start, prev: null };
  if (accept(start, amount)) found.push({ end: start, amount, nodes: [start] });

  let frontier = [start];
  for (let round = 0; round < maxLength && frontier.length > 0; round++) {
    const last = round === maxLength - 1;
    const updated: number[] = [];
    for (const current of frontier) {
      const currentAmount = best[current];
      const pathToCurrent = bestPath[current]!;
      for (const edge of edgesOf[current]) {
        const next = edge.next;
        // On the last round only edges into an acceptable end asset can matter.
        if (last && !isTerminal(next)) continue;
        if (contains(pathToCurrent, next)) continue;
        const nextAmount = hop(edge.book, currentAmount);
        if (nextAmount === null || nextAmount <= 0n) continue;
        if (!better(update[next], nextAmount)) continue;
        if (update[next] === best[next]) updated.push(next);
        update[next] = nextAmount;
        updatePath[next] = { asset: next, prev: pathToCurrent };
        if (accept(next, nextAmount)) found.push({ end: next, amount: nextAmount, nodes: nodePath(updatePath[next]!) });
      }
    }
    for (const a of updated) {
      best[a] = update[a];
      bestPath[a] = updatePath[a];
    }
    frontier = updated;
  }
  return found;
}

function clampLength(maxLength: number | undefined): number {
  const n = maxLength ?? DEFAULT_MAX_PATH_LENGTH;
  return Math.max(1, Math.min(MAX_PATH_LENGTH_CAP, Math.floor(n)));
}

/** Assets an account holds: native plus its trustlines (what Horizon offers as ends). */
function heldAssets(state: LedgerState, accountId: AccountId): AssetKey[] {
  if (!state.getAccount(accountId)) return [];
  return [NATIVE, ...state.trustLinesOf(accountId).map((t) => t.asset)];
}

/**
 * Keep at most MAX_PATHS_PER_ASSET paths per end asset, best first, one per
 * distinct path (a path found twice keeps its better amount).
 */
function sortAndFilter(
  records: PathRecord[], endOf: (r: PathRecord) => AssetKey, amountOf: (r: PathRecord) => bigint, lowerIsBetter: boolean,
): PathRecord[] {
  const unique = new Map<string, PathRecord>();
  for (const r of records) {
    const key = `${endOf(r)}>${r.path.join('>')}`;
    const prev = unique.get(key);
    if (!prev || (lowerIsBetter ? amountOf(r) < amountOf(prev) : amountOf(r) > amountOf(prev))) unique.set(key, r);
  }
  const sorted = [...unique.values()].sort((a, b) => {
    const ea = endOf(a);
    const eb = endOf(b);
    if (ea !== eb) return ea < eb ? -1 : 1;
    const x = amountOf(a);
    const y = amountOf(b);
    if (x !== y) return (lowerIsBetter ? x < y : x > y) ? -1 : 1;
    return a.path.length - b.path.length;
  });
  const out: PathRecord[] = [];
  let count = 0;
  for (const r of sorted) {
    count = out.length > 0 && endOf(out[out.length - 1]) === endOf(r) ? count + 1 : 1;
    if (count <= MAX_PATHS_PER_ASSET) out.push(r);
  }
  return out;
}

/** Paths spending exactly sourceAmount of sourceAsset, by destination asset, most received first. */
export function findStrictSendPaths(state: LedgerState, q: StrictSendQuery): PathRecord[] {
  const graph = graphOf(state);
  const wanted = q.destinationAssets ?? (q.destinationAccount ? heldAssets(state, q.destinationAccount) : []);
  if (q.sourceAmount <= 0n || wanted.length === 0) return [];
  const targets = new Set<number>();
  for (const a of wanted) {
    const i = graph.ids.get(a);
    if (i !== undefined) targets.add(i);
  }
  const start = graph.ids.get(q.sourceAsset);
  const direct = wanted.includes(q.sourceAsset)
    ? [{ source_asset: q.sourceAsset, source_amount: q.sourceAmount, destination_asset: q.sourceAsset, destination_amount: q.sourceAmount, path: [] }]
    : [];
  if (start === undefined) return direct;

  const found = search(
    start, q.sourceAmount, clampLength(q.maxLength), graph.buying, graph.assets.length,
    (a) => targets.has(a), (a) => a !== start && targets.has(a),
    (cur, alt) => alt > cur,
    wheatReceived,
  );
  const records: PathRecord[] = [...direct];
  for (const f of found) {
    records.push({
      source_asset: q.sourceAsset,
      source_amount: q.sourceAmount,
      destination_asset: graph.assets[f.end],
      destination_amount: f.amount,
      path: f.nodes.slice(1, -1).map((i) => graph.assets[i]),
    });
  }
  return sortAndFilter(records, (r) => r.destination_asset, (r) => r.destination_amount, false);
}

/** Paths delivering exactly destinationAmount of destinationAsset, by source asset, cheapest first. */
export function findStrictReceivePaths(state: LedgerState, q: StrictReceiveQuery): PathRecord[] {
  const graph = graphOf(state);
  const base = q.baseReserve ?? 5_000_000n;
  const fromAccount = q.sourceAssets === undefined && q.sourceAccount !== undefined;
  const wanted = q.sourceAssets ?? (q.sourceAccount ? heldAssets(state, q.sourceAccount) : []);
  if (q.destinationAmount <= 0n || wanted.length === 0) return [];
  // With a source account, Horizon only offers paths the account can afford.
  const affordable = (asset: AssetKey, amount: bigint): boolean => {
    if (!fromAccount) return true;
    const h = holding(state, q.sourceAccount!, asset);
    return h !== null && availableBalance(h, base) >= amount;
  };
  const targets = new Map<number, AssetKey>();
  for (const a of wanted) {
    const i = graph.ids.get(a);
    if (i !== undefined) targets.set(i, a);
  }
  const direct = wanted.includes(q.destinationAsset) && affordable(q.destinationAsset, q.destinationAmount)
    ? [{ source_asset: q.destinationAsset, source_amount: q.destinationAmount, destination_asset: q.destinationAsset, destination_amount: q.destinationAmount, path: [] }]
    : [];
  const start = graph.ids.get(q.destinationAsset);
  if (start === undefined) return direct;

  const ignore = q.sourceAccount;
  const found = search(
    start, q.destinationAmount, clampLength(q.maxLength), graph.selling, graph.assets.length,
    (a) => targets.has(a), (a, amount) => a !== start && targets.has(a) && affordable(graph.assets[a], amount),
    (cur, alt) => cur === 0n || alt < cur,
    (book, amount) => sheepNeeded(book, amount, ignore),
  );
  const records: PathRecord[] = [...direct];
  for (const f of found) {
    // The search ran from the destination back to the source: reverse the interior.
    records.push({
      source_asset: graph.assets[f.end],
      source_amount: f.amount,
      destination_asset: q.destinationAsset,
      destination_amount: q.destinationAmount,
      path: f.nodes.slice(1, -1).reverse().map((i) => graph.assets[i]),
    });
  }
  return sortAndFilter(records, (r) => r.source_asset, (r) => r.source_amount, true);
}
