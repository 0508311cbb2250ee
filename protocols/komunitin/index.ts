/**
 * The Komunitin protocol (account URIs and external transfers with peer servers):
 * builds the peer directory, the transfer store and the service, registers the
 * outbox handlers that notify peers, and returns the routes. See
 * docs/protocols/komunitin.md.
 */
import { Database } from '../../src/db/database';
import { Protocol, ProtocolDeps } from '../index';
import { createOutbound } from './client';
import { deliveryHandlers } from './notify';
import { PeerDirectory, createPeerDirectory } from './peers';
import { TransferStore, createTransferStore } from './requests';
import { komunitinRouter } from './routes';
import { KomunitinService, NOTIFY, UPDATE, createKomunitinService } from './service';

export interface Komunitin {
  service: KomunitinService;
  store: TransferStore;
  peers: PeerDirectory;
  deps: ProtocolDeps;
}

/**
 * The running protocol of a hub, by its database: governance operations reach it
 * through the deps they share with it (a hub has one database, and one Komunitin).
 */
const running = new WeakMap<Database, Komunitin>();
export const komunitinOf = (db: Database): Komunitin | undefined => running.get(db);

export function createKomunitin(deps: ProtocolDeps): Protocol {
  const outbound = createOutbound(deps.config.komunitin);
  const peers = createPeerDirectory({
    db: deps.db, communities: deps.communities, accounts: deps.accounts, outbound, ttlMs: deps.config.komunitin.cacheTtlMs, actor: 'komunitin',
  });
  const store = createTransferStore(deps.db);
  const service = createKomunitinService({ ...deps, peers, store, outbound });
  const handlers = deliveryHandlers(deps, outbound);
  deps.deliveries.register(NOTIFY, handlers.notify);
  deps.deliveries.register(UPDATE, handlers.update);
  running.set(deps.db, { service, store, peers, deps });
  return { name: 'komunitin', router: komunitinRouter({ ...deps, service, store, peers }) };
}
