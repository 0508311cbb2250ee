/**
 * The hub as a Clearing Central (part 2), wired: its registry, transactions, forwarder,
 * the undo job and sweep, its routes and governance operations. Started by the
 * protocol's index.ts beside part 1 (the hub as an exchange at someone else's).
 */
import { ProtocolDeps } from '../../../src/protocol';
import { createForwarder } from './forward';
import { ccsOperations } from './governance';
import { createPasswordCheck } from './password';
import { createRegistry } from './registry';
import { serverRouter } from './routes';
import { UNDO, createServerService } from './service';
import { createTxStore } from './transactions';
import { startSweep, undoHandler } from './undo';

export function startServer(deps: ProtocolDeps) {
  const cfg = deps.config.clearingCentral;
  const registry = createRegistry(deps.db);
  const txs = createTxStore(deps.db);
  const forwarder = createForwarder({ timeoutMs: cfg.forwardTimeoutMs, maxResponseBytes: cfg.maxResponseBytes });
  const server = createServerService({ ...deps, registry, txs, forwarder, checkPassword: createPasswordCheck() });
  deps.deliveries.register(UNDO, undoHandler({ registry, txs, forwarder }));
  // Rows a crash or a slow ledger left in flight: finished once well past any forward's timeout.
  startSweep({ registry, server, logger: deps.logger, everyMs: 30_000, olderThanMs: cfg.forwardTimeoutMs + 30_000 });
  return {
    prefix: cfg.serverPath,
    router: serverRouter({ prefix: cfg.serverPath, server, registry, bodyLimit: deps.config.bodyLimit }),
    governance: ccsOperations({ ...deps, registry, txs, serverPath: cfg.serverPath }),
    server,
  };
}
