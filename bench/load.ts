/**
 * How the protocol benches drive load, from a client process of their own: the result
 * of one request, the three ways of sending them, and the tally of what failed.
 */
import { performance } from 'node:perf_hooks';

export interface LoadResult {
  ok: boolean;
  ms: number;
  /** The protocol's answer code, or `network: …`. */
  code: string;
}

/** closed: `concurrency` in flight for `seconds`; open: `rate` a second for `seconds`; count: `count`, `concurrency` at a time. */
export type LoadRun =
  | { type: 'run'; mode: 'closed'; concurrency: number; seconds: number }
  | { type: 'run'; mode: 'open'; rate: number; seconds: number }
  | { type: 'run'; mode: 'count'; concurrency: number; count: number };

export async function drive(c: LoadRun, one: () => Promise<LoadResult>): Promise<LoadResult[]> {
  const results: LoadResult[] = [];
  if (c.mode === 'count') {
    let left = c.count;
    await Promise.all(Array.from({ length: c.concurrency }, async () => { while (left-- > 0) results.push(await one()); }));
    return results;
  }
  if (c.mode === 'closed') {
    const deadline = performance.now() + c.seconds * 1000;
    await Promise.all(Array.from({ length: c.concurrency }, async () => {
      while (performance.now() < deadline) results.push(await one());
    }));
    return results;
  }
  // Open loop: each request leaves at its due time, whether or not the earlier ones are answered.
  const paced: Array<Promise<LoadResult>> = [];
  const start = performance.now();
  for (let i = 0; i < c.rate * c.seconds; i++) {
    const wait = start + (i * 1000) / c.rate - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    paced.push(one());
  }
  return Promise.all(paced);
}

/** The answers that were not OK, counted by code ("none" when all were). */
export function tally(rs: LoadResult[], label: string): string {
  const other = new Map<string, number>();
  for (const r of rs) if (!r.ok) other.set(r.code, (other.get(r.code) ?? 0) + 1);
  return [...other].map(([k, v]) => `${label} ${k} ×${v}`).join(', ') || 'none';
}
