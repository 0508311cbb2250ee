/**
 * Multilateral netting: given who holds whose HOUR, find the clearing that cancels the
 * most debt without moving anyone's net position.
 *
 * A position "C holds x of D's HOUR" is an edge D → C (debtor → creditor) of capacity x.
 * A clearing is a circulation f on those edges (0 ≤ f ≤ x, into each community as much
 * as out of it): every creditor hands back f of the debtor's HOUR, so each community's
 * claims and debts fall by the same amount and its net position stays where it was.
 * The best clearing is the largest circulation — a min-cost circulation with cost −1 on
 * every position, as multilateral set-off systems solve it — not the first cycles found,
 * which can block a larger clearing through the same edges.
 *
 * How: clear everything (f = x), which leaves each community with an imbalance, then
 * undo as little as possible to restore the balance: a min-cost flow where undoing one
 * stroop of a position costs 1 (successive shortest paths; all costs are ≥ 0, so
 * Dijkstra with potentials is exact). A community's cap on what it clears per run is a
 * capacity on the edge between its "in" and "out" halves.
 *
 * Pure and protocol-free: positions in, cleared amounts out; the ledger is elsewhere.
 */

export interface Position {
  /** The community whose HOUR is held (it owes). */
  debtor: string;
  /** The community whose external trader holds it (it is owed). */
  creditor: string;
  /** HOUR stroops. */
  amount: bigint;
}

export interface NettingInput {
  positions: Position[];
  /** The most a community may clear in one run (HOUR stroops, through it); absent: no cap. */
  caps?: ReadonlyMap<string, bigint>;
}

export interface Clearing {
  /** What is cleared of each position (only those above zero); `of`: its index in the input. */
  cleared: Array<Position & { of: number }>;
  /** Σ cleared: how much each side's gross positions fall in total (per side). */
  total: bigint;
}

interface Arc {
  to: number;
  /** Residual capacity. */
  cap: bigint;
  cost: number;
  /** Index of the reverse arc in `arcs[to]`. */
  rev: number;
}

class Graph {
  readonly arcs: Arc[][];
  constructor(n: number) {
    this.arcs = Array.from({ length: n }, () => []);
  }

  /** Adds u → v; returns where the forward arc sits, to read its flow back. */
  add(u: number, v: number, cap: bigint, cost: number): [number, number] {
    this.arcs[u].push({ to: v, cap, cost, rev: this.arcs[v].length });
    this.arcs[v].push({ to: u, cap: 0n, cost: -cost, rev: this.arcs[u].length - 1 });
    return [u, this.arcs[u].length - 1];
  }

  /**
   * Sends as much as possible from s to t along cheapest paths (Dijkstra over reduced
   * costs; potentials keep them ≥ 0 as reverse arcs of cost −c appear).
   */
  minCostFlow(s: number, t: number): void {
    const n = this.arcs.length;
    const potential = new Array<number>(n).fill(0);
    for (;;) {
      const dist = new Array<number>(n).fill(Infinity);
      const prev: Array<[number, number] | null> = new Array(n).fill(null);
      const done = new Array<boolean>(n).fill(false);
      dist[s] = 0;
      for (;;) {
        let u = -1;
        for (let i = 0; i < n; i++) if (!done[i] && dist[i] < Infinity && (u < 0 || dist[i] < dist[u])) u = i;
        if (u < 0) break;
        done[u] = true;
        this.arcs[u].forEach((a, i) => {
          if (a.cap <= 0n) return;
          const d = dist[u] + a.cost + potential[u] - potential[a.to];
          if (d < dist[a.to]) {
            dist[a.to] = d;
            prev[a.to] = [u, i];
          }
        });
      }
      if (dist[t] === Infinity) return;
      for (let i = 0; i < n; i++) if (dist[i] < Infinity) potential[i] += dist[i];
      let push: bigint | null = null;
      for (let v = t; v !== s; v = prev[v]![0]) {
        const [u, i] = prev[v]!;
        const c = this.arcs[u][i].cap;
        if (push === null || c < push) push = c;
      }
      for (let v = t; v !== s; v = prev[v]![0]) {
        const [u, i] = prev[v]!;
        const a = this.arcs[u][i];
        a.cap -= push!;
        this.arcs[a.to][a.rev].cap += push!;
      }
    }
  }
}

/** The largest clearing of `positions` within every community's cap. */
export function largestClearing(input: NettingInput): Clearing {
  const live = input.positions.map((p, of) => ({ ...p, of }));
  const positions = live.filter((p) => p.amount > 0n && p.debtor !== p.creditor);
  const names = [...new Set(positions.flatMap((p) => [p.debtor, p.creditor]))];
  const index = new Map(names.map((c, i) => [c, i]));
  // Nodes: community i has an "in" half 2i (its claims arrive) and an "out" half 2i+1
  // (its debts leave); then the source and the sink of the undo flow.
  const n = names.length;
  const S = 2 * n;
  const T = 2 * n + 1;
  const g = new Graph(2 * n + 2);

  // Clearing every position in full leaves, at each half, what it still has to balance.
  const excess = new Array<bigint>(2 * n).fill(0n);
  const undo: Array<[number, number]> = positions.map((p) => {
    const creditorIn = 2 * index.get(p.creditor)!;
    const debtorOut = 2 * index.get(p.debtor)! + 1;
    excess[creditorIn] += p.amount;
    excess[debtorOut] -= p.amount;
    // Undoing a stroop of this position: back from the creditor to the debtor, cost 1.
    return g.add(creditorIn, debtorOut, p.amount, 1);
  });
  names.forEach((c, i) => {
    const cap = input.caps?.get(c);
    // Through the community (in → out), free, up to its cap; the total through it is bounded anyway.
    g.add(2 * i, 2 * i + 1, cap === undefined ? excess[2 * i] : (cap < 0n ? 0n : cap), 0);
  });
  for (let v = 0; v < 2 * n; v++) {
    if (excess[v] > 0n) g.add(S, v, excess[v], 0);
    else if (excess[v] < 0n) g.add(v, T, -excess[v], 0);
  }
  g.minCostFlow(S, T);

  const cleared: Clearing['cleared'] = [];
  let total = 0n;
  positions.forEach((p, k) => {
    const [u, i] = undo[k];
    // The undo arc's capacity left is what was not undone: the amount cleared.
    const c = g.arcs[u][i].cap;
    if (c > 0n) {
      cleared.push({ debtor: p.debtor, creditor: p.creditor, amount: c, of: p.of });
      total += c;
    }
  });
  return { cleared, total };
}

/**
 * A circulation as cycles (each itself a circulation): so a clearing too large for one
 * transaction is settled as several, each wholly or not at all, and no community's net
 * position moves between them. Follows cleared edges from a community until one repeats,
 * takes that loop at its smallest amount, and goes on until nothing is left.
 */
export function cyclesOf(cleared: Position[]): Position[][] {
  const left = new Map<string, Map<string, bigint>>();
  for (const p of cleared) {
    if (p.amount <= 0n) continue;
    const out = left.get(p.debtor) ?? new Map<string, bigint>();
    out.set(p.creditor, (out.get(p.creditor) ?? 0n) + p.amount);
    left.set(p.debtor, out);
  }
  const next = (from: string): string | undefined => [...(left.get(from) ?? [])].find(([, v]) => v > 0n)?.[0];
  const cycles: Position[][] = [];
  for (const start of [...left.keys()]) {
    while (next(start) !== undefined) {
      const path = [start];
      const seen = new Map([[start, 0]]);
      let at = start;
      for (;;) {
        const to = next(at);
        // A circulation leaves nobody with an edge out and none on: anything else is a bug upstream.
        if (to === undefined) throw new Error(`not a circulation: ${at} has cleared claims but no cleared debt`);
        if (seen.has(to)) {
          const loop = path.slice(seen.get(to)!).concat(to);
          const legs = loop.slice(0, -1).map((debtor, i) => ({ debtor, creditor: loop[i + 1], amount: left.get(debtor)!.get(loop[i + 1])! }));
          const amount = legs.reduce((m, l) => (l.amount < m ? l.amount : m), legs[0].amount);
          for (const l of legs) left.get(l.debtor)!.set(l.creditor, l.amount - amount);
          cycles.push(legs.map((l) => ({ ...l, amount })));
          break;
        }
        seen.set(to, path.length);
        path.push(to);
        at = to;
      }
    }
  }
  return cycles;
}
