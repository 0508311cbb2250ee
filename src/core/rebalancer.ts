/**
 * Keeps each community's trader offers right after settlements, so credit freed by a
 * payment back is usable at once and trade can flow back. Requests are coalesced: at
 * most one rebalance per community runs at a time, and requests made meanwhile are
 * served by one more run after it, not one each.
 */
import { Logger } from '../logger';
import { Keyring } from './keys';
import { Ledger } from './ledger';
import { Community } from './communities/model';
import { currencyOf } from './communities/currency';

export interface Rebalancer {
  schedule(c: Community): void;
  /** Resolves when nothing is pending (tests, shutdown). */
  idle(): Promise<void>;
}

export function createRebalancer(deps: { ledger: Ledger; keyring: Keyring; logger: Logger }): Rebalancer {
  const running = new Map<string, Promise<void>>();
  const again = new Map<string, Community>();

  const run = (c: Community): Promise<void> => {
    const task = (async () => {
      try {
        await deps.ledger.rebalance(currencyOf(c), deps.keyring.lookup(c.id));
      } catch (err) {
        deps.logger.warn({ err, community: c.code }, 'rebalance failed; the next settlement retries it');
      }
      const next = again.get(c.id);
      again.delete(c.id);
      if (next) await run(next);
    })();
    return task;
  };

  return {
    schedule(c) {
      if (running.has(c.id)) {
        again.set(c.id, c);
        return;
      }
      const task = run(c).finally(() => running.delete(c.id));
      running.set(c.id, task);
    },
    async idle() {
      while (running.size > 0) await Promise.all(running.values());
    },
  };
}
