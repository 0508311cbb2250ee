/**
 * npm run bench, second half — the protocols end to end over HTTP: CXP try transactions
 * (Hawk, validation, database, devnet, relay to a local exchange) and hub-to-hub
 * Komunitin external transfers, and bills Clearing Central forwards.
 * `BENCH_ONLY=hub|cxp|komunitin|clearing-central|startup|netting|workers` runs one part of `npm run bench`.
 */
import { benchClearingCentral } from './clearing-central';
import { benchCxp } from './cxp';
import { benchKomunitin } from './komunitin';

async function main(): Promise<void> {
  const only = process.env.BENCH_ONLY;
  if (only === 'hub' || only === 'startup') return;
  if (!only || only === 'cxp') await benchCxp();
  if (!only || only === 'komunitin') await benchKomunitin();
  if (!only || only === 'clearing-central') await benchClearingCentral();
}

main().then(() => process.exit(0), (err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
