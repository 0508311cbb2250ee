/**
 * The Komunitin protocol (account URIs and external transfers with peer servers):
 * builds the peer directory, the transfer store and the service, registers the
 * outbox handlers that notify peers and that record refused notifies' payments from
 * the ledger, and returns the routes (what it declares is in plugin.ts, which loads this
 * file when a hub starts). See docs/protocols/komunitin.md.
 */
import { Protocol, ProtocolDeps } from '../../src/protocol';
import { komunitinOperations } from './governance';
import { createOutbound } from './client';
import { JustSettled, deliveryHandlers } from './notify';
import { komunitinPayees } from './payees';
import { createPeerDirectory } from './peers';
import { createRecovery } from './recovery';
import { createTransferStore } from './requests';
import { komunitinRouter } from './routes';
import { KomunitinCode, KomunitinError } from './errors';
import { MEDIA_TYPE } from './translate';
import { RECOVER } from './deliveries';
import { NOTIFY, UPDATE, createKomunitinService } from './service';

/** A community's Komunitin resources: /{CODE}/currency, /{CODE}/accounts/…, /{CODE}/transfers/…. */
const KOMUNITIN_PATH = /^\/[A-Z0-9]{4}\/(currency|accounts|transfers)(\/|$)/;

export function start(deps: ProtocolDeps): Protocol {
  const outbound = createOutbound(deps.config.komunitin);
  const peers = createPeerDirectory({
    db: deps.db, communities: deps.communities, accounts: deps.accounts, outbound, ttlMs: deps.config.komunitin.cacheTtlMs, actor: 'komunitin',
  });
  const store = createTransferStore(deps.db);
  const justSettled: JustSettled = new Map();
  const service = createKomunitinService({ ...deps, peers, store, outbound, justSettled });
  const handlers = deliveryHandlers(deps, outbound, peers, justSettled);
  const recovery = createRecovery({ ...deps, service });
  deps.deliveries.register(NOTIFY, handlers.notify);
  deps.deliveries.register(UPDATE, handlers.update);
  deps.deliveries.register(RECOVER, recovery.handler);
  deps.remotePayees.register(komunitinPayees(deps, peers, service, store));
  return {
    governance: komunitinOperations(deps, { service, store, peers }),
    router: komunitinRouter({ ...deps, service, store, peers, recovery }),
    paths: {
      owns: (path) => KOMUNITIN_PATH.test(path),
      answerError(ctx, e) {
        const k = e.retryAfter !== undefined
          ? new KomunitinError(KomunitinCode.ServiceUnavailable, e.message)
          : e.status >= 500
          ? new KomunitinError(KomunitinCode.InternalError, 'Internal error; the request id identifies it in the hub logs.')
          : new KomunitinError(KomunitinCode.BadRequest, e.status === 413 ? 'The request body is larger than this server accepts.'
            : e.code === 'malformed_body' ? 'The request body is not valid JSON.' : e.message,
          // A field the shared checks name ("data.attributes.meta") as Komunitin points at it.
          e.field ? `/${e.field.split('.').join('/')}` : undefined, e.status);
        ctx.status = k.status;
        ctx.type = MEDIA_TYPE;
        ctx.body = k.body();
      },
    },
  };
}
