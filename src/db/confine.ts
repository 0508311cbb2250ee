/**
 * A request's reach: the communities whose rows its work may touch. The governance
 * router sets it for a token scoped to some communities, from the communities the
 * operation declares (docs/governance.md#roles); db.community() and db.trip() refuse any
 * other. So a route whose rights check is missing or wrong still cannot read or change
 * another community's rows: row-level security admits only the scope a transaction is
 * opened for, and no transaction opens for a community out of reach.
 *
 * Hub-scope work (db.hub) stays open: in it RLS admits no community's rows at all, only
 * the registry and hub-wide tables.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export class OutOfReach extends Error {
  constructor(readonly communityId: string) {
    super(`this request may not reach the rows of community ${communityId}`);
  }
}

const reach = new AsyncLocalStorage<Set<string>>();

/** Run `fn` reaching only these communities (by id); work it starts keeps the limit. */
export const confined = <T>(communityIds: Iterable<string>, fn: () => Promise<T>): Promise<T> => reach.run(new Set(communityIds), fn);

/**
 * Work shared by many requests (group commit, ledger batches) belongs to none of them:
 * it runs outside whichever request happened to start it.
 */
export const unconfined = <T>(fn: () => T): T => reach.exit(fn);

/** Widen the current request's reach to one more community it was shown to concern (a transfer's other side). */
export function extendReach(communityId: string): void {
  reach.getStore()?.add(communityId);
}

export function assertReachable(communityId: string): void {
  const allowed = reach.getStore();
  if (allowed && !allowed.has(communityId)) throw new OutOfReach(communityId);
}
