import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Position, cyclesOf, largestClearing } from '../../src/core/netting/engine';

/**
 * An exact solver written another way, for small networks only: start from clearing
 * nothing and cancel negative cycles (Bellman-Ford) in the residual graph of the
 * max-circulation problem until none is left — the optimality condition of a min-cost
 * circulation. Slow (one unit of gain per cycle at worst), so amounts stay small.
 */
function exactTotal(positions: Position[], caps: Map<string, bigint>): bigint {
  const names = [...new Set(positions.flatMap((p) => [p.debtor, p.creditor]))];
  const idx = new Map(names.map((c, i) => [c, i]));
  type E = { from: number; to: number; cap: number; cost: number; flow: number };
  const edges: E[] = [];
  // in-half 2i, out-half 2i+1; a position is debtor.out → creditor.in, gain 1 per unit.
  for (const p of positions) {
    if (p.amount <= 0n || p.debtor === p.creditor) continue;
    edges.push({ from: 2 * idx.get(p.debtor)! + 1, to: 2 * idx.get(p.creditor)!, cap: Number(p.amount), cost: -1, flow: 0 });
  }
  names.forEach((c, i) => edges.push({ from: 2 * i, to: 2 * i + 1, cap: caps.has(c) ? Number(caps.get(c)) : 1e9, cost: 0, flow: 0 }));
  const n = 2 * names.length;
  for (;;) {
    // Residual arcs: forward with room (cost), backward with flow (−cost).
    const arcs: Array<{ u: number; v: number; w: number; e: E; fwd: boolean }> = [];
    for (const e of edges) {
      if (e.flow < e.cap) arcs.push({ u: e.from, v: e.to, w: e.cost, e, fwd: true });
      if (e.flow > 0) arcs.push({ u: e.to, v: e.from, w: -e.cost, e, fwd: false });
    }
    const dist = new Array<number>(n).fill(0);
    const pred: Array<(typeof arcs)[number] | null> = new Array(n).fill(null);
    let last = -1;
    for (let k = 0; k < n; k++) {
      last = -1;
      for (const a of arcs) {
        if (dist[a.u] + a.w < dist[a.v]) {
          dist[a.v] = dist[a.u] + a.w;
          pred[a.v] = a;
          last = a.v;
        }
      }
    }
    if (last < 0) break;
    let v = last;
    for (let k = 0; k < n; k++) v = pred[v]!.u;
    const cycle: Array<(typeof arcs)[number]> = [];
    for (let u = v; ; ) {
      const a = pred[u]!;
      cycle.push(a);
      u = a.u;
      if (u === v) break;
    }
    const push = Math.min(...cycle.map((a) => (a.fwd ? a.e.cap - a.e.flow : a.e.flow)));
    for (const a of cycle) a.e.flow += a.fwd ? push : -push;
  }
  return BigInt(edges.filter((e) => e.cost === -1).reduce((s, e) => s + e.flow, 0));
}

const NAMES = ['A', 'B', 'C', 'D', 'E', 'F'];
const position = fc.record({
  debtor: fc.constantFrom(...NAMES),
  creditor: fc.constantFrom(...NAMES),
  amount: fc.bigInt({ min: 0n, max: 12n }),
});
const network = fc.record({
  positions: fc.array(position, { maxLength: 14 }),
  caps: fc.dictionary(fc.constantFrom(...NAMES), fc.bigInt({ min: 0n, max: 15n }), { maxKeys: 3 }),
});

const net = (ps: Position[]): Map<string, bigint> => {
  const m = new Map<string, bigint>();
  for (const p of ps) {
    m.set(p.creditor, (m.get(p.creditor) ?? 0n) + p.amount);
    m.set(p.debtor, (m.get(p.debtor) ?? 0n) - p.amount);
  }
  return m;
};

describe('netting engine: the largest clearing', () => {
  it('clears a loop in full and nothing of a chain', () => {
    const loop = largestClearing({ positions: [
      { debtor: 'A', creditor: 'B', amount: 5n }, { debtor: 'B', creditor: 'C', amount: 7n }, { debtor: 'C', creditor: 'A', amount: 9n },
    ] });
    assert.equal(loop.total, 15n);
    assert.deepEqual(loop.cleared.map((p) => [p.of, p.amount]), [[0, 5n], [1, 5n], [2, 5n]]);
    const chain = largestClearing({ positions: [{ debtor: 'A', creditor: 'B', amount: 5n }, { debtor: 'B', creditor: 'C', amount: 7n }] });
    assert.equal(chain.total, 0n);
    assert.deepEqual(chain.cleared, []);
  });

  it('takes the large clearing where the first cycle found would block it', () => {
    // Everything passes A→B (10). Clearing the shortest loop A→B→D→A first clears 10 × 3 = 30
    // and leaves nothing; the largest clearing sends 6 round B→C→A and 4 round B→D→E→A: 34.
    const positions: Position[] = [
      { debtor: 'A', creditor: 'B', amount: 10n },
      { debtor: 'B', creditor: 'C', amount: 6n }, { debtor: 'C', creditor: 'A', amount: 6n },
      { debtor: 'B', creditor: 'D', amount: 10n }, { debtor: 'D', creditor: 'E', amount: 4n }, { debtor: 'E', creditor: 'A', amount: 4n },
      { debtor: 'D', creditor: 'A', amount: 10n },
    ];
    const r = largestClearing({ positions });
    assert.equal(r.total, exactTotal(positions, new Map()));
    assert.equal(r.total, 10n + 6n + 6n + 4n + 4n + 4n);
  });

  it('holds a community to its cap', () => {
    const positions: Position[] = [
      { debtor: 'A', creditor: 'B', amount: 5n }, { debtor: 'B', creditor: 'C', amount: 5n }, { debtor: 'C', creditor: 'A', amount: 5n },
    ];
    assert.equal(largestClearing({ positions, caps: new Map([['B', 2n]]) }).total, 6n);
    assert.equal(largestClearing({ positions, caps: new Map([['B', 0n]]) }).total, 0n);
  });

  it('on random networks: a valid circulation, within caps, nets unchanged, as large as the exact solver', () => {
    fc.assert(fc.property(network, ({ positions, caps }) => {
      const capMap = new Map(Object.entries(caps));
      const r = largestClearing({ positions, caps: capMap });
      for (const c of r.cleared) {
        const p = positions[c.of];
        assert.ok(c.debtor === p.debtor && c.creditor === p.creditor && c.amount > 0n && c.amount <= p.amount, 'never more than a position');
      }
      // Circulation: into each community as much as out, so net positions stay.
      for (const [c, v] of net(r.cleared)) assert.equal(v, 0n, `net of ${c} moved by ${v}`);
      const left = positions.map((p, i) => ({ ...p, amount: p.amount - (r.cleared.find((c) => c.of === i)?.amount ?? 0n) }));
      for (const [c, v] of net(positions)) assert.equal(net(left).get(c) ?? 0n, v);
      for (const [c, cap] of capMap) {
        const through = r.cleared.filter((p) => p.creditor === c).reduce((s, p) => s + p.amount, 0n);
        assert.ok(through <= cap, `${c} cleared ${through} over its cap ${cap}`);
      }
      assert.equal(r.total, r.cleared.reduce((s, p) => s + p.amount, 0n));
      assert.equal(r.total, exactTotal(positions, capMap));
    }), { numRuns: 300 });
  });

  it('settles a network of 100 communities and 1,000 positions quickly', () => {
    let seed = 7;
    const rand = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    const positions: Position[] = Array.from({ length: 1000 }, () => ({
      debtor: `C${rand(100)}`, creditor: `C${rand(100)}`, amount: BigInt(1 + rand(1_000_000)) * 10_000_000n,
    }));
    const r = largestClearing({ positions });
    for (const [, v] of net(r.cleared)) assert.equal(v, 0n);
    assert.ok(r.total > 0n);
  });
});


describe('netting engine: a clearing as cycles', () => {
  it('splits every clearing into cycles that add up to it', () => {
    fc.assert(fc.property(network, ({ positions, caps }) => {
      const r = largestClearing({ positions, caps: new Map(Object.entries(caps)) });
      const cycles = cyclesOf(r.cleared);
      const sum = new Map<string, bigint>();
      for (const cycle of cycles) {
        for (const [c, v] of net(cycle)) assert.equal(v, 0n, `a cycle moves ${c}'s net position`);
        cycle.forEach((l, i) => assert.equal(l.creditor, cycle[(i + 1) % cycle.length].debtor, 'legs chain round'));
        for (const l of cycle) sum.set(`${l.debtor}>${l.creditor}`, (sum.get(`${l.debtor}>${l.creditor}`) ?? 0n) + l.amount);
      }
      const want = new Map<string, bigint>();
      for (const l of r.cleared) want.set(`${l.debtor}>${l.creditor}`, (want.get(`${l.debtor}>${l.creditor}`) ?? 0n) + l.amount);
      assert.deepEqual(sum, want);
    }), { numRuns: 300 });
  });
});
