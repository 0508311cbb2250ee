/**
 * @intertrade/devnet: a Stellar classic network in one process, behind a
 * Horizon-compatible HTTP API. This is the package's whole public surface; everything
 * else under src/ is internal and may move.
 *
 *   const net = await startDevnet({ port: 0 });   // any free port
 *   new Horizon.Server(net.url, { allowHttp: true });
 *   await net.close();
 */
export { startDevnet, runDevnet } from './cli';
export type { StartOptions, RunningDevnet, CliOptions } from './cli';
export { Devnet, DEFAULT_PASSPHRASE, FRIENDBOT_STARTING_BALANCE } from './network';
export type { DevnetOptions, SubmitOutcome } from './network';
export type { ClosedLedger, LedgerRecord, TransactionRecord } from './history/records';
