/**
 * Clearing Central (clearingcentral.net), through which CES exchanges intertrade. The
 * hub is an exchange (or several) registered there: each connected community has a
 * NID, a password and a data_url at Clearing Central; the CES exchanges behind it are
 * `ces` mirror communities, admitted by the governing body, with credit lines like any
 * other community. A bill a CES member sends a member here arrives at the data_url and
 * becomes one core transfer, buyer → … → the exchange's import-export account; a bill a
 * member here sends a CES member is posted to txinput.php and, once accepted, paid by
 * the exchange's import-export account (outgoing.ts).
 * What it declares is in plugin.ts, which loads this file when a hub starts.
 * Wire facts: docs/protocols/clearing-central.md.
 */
import Router from '@koa/router';
import { HttpState } from '../../src/http/server';
import { Protocol, ProtocolDeps } from '../../src/protocol';
import { Code } from './errors';
import { ccOperations } from './governance';
import { createCcClient } from './client';
import { createIncomingService } from './incoming';
import { RECONCILE, createOutgoingService } from './outgoing';
import { reconcileHandler } from './reconcile';
import { PREFIX, ccRouter, failureReply } from './routes';
import { createCcStore } from './store';
import { ccServerReply } from './server/routes';
import { startServer } from './server';

export function start(deps: ProtocolDeps): Protocol {
  const store = createCcStore(deps);
  const incoming = createIncomingService({ ...deps, store });
  const client = createCcClient(deps.config.clearingCentral);
  const outgoing = createOutgoingService({ ...deps, store, client });
  deps.deliveries.register(RECONCILE, reconcileHandler({ outgoing, resolveAfterMs: deps.config.clearingCentral.resolveAfterMs }));
  const wire = ccRouter({ incoming, store, communities: deps.communities, bodyLimit: deps.config.bodyLimit });
  // Part 2: the hub as a Clearing Central itself, under its own base path.
  const served = startServer(deps);
  const router = new Router<HttpState>();
  router.use(wire.routes(), wire.allowedMethods());
  router.use(served.router.routes());
  const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
  return {
    router,
    governance: [...ccOperations({ ...deps, store, outgoing }), ...served.governance],
    paths: {
      owns: (path) => under(path, PREFIX) || under(path, served.prefix),
      // Forwards are parsed here into a flat map: the shared parser would nest `a[b]=` keys.
      readsRawBody: () => true,
      // Whatever the shared edge refuses (NUL in the query, a body too large) is faulty data; a bug is 9.
      answerError: (ctx, e) => {
        const code = e.status < 500 ? Code.FaultyData : Code.ServerError;
        if (under(ctx.path, served.prefix)) ccServerReply(ctx, [['response', String(code)], ['txid', '']]);
        else failureReply(ctx, code);
      },
    },
  };
}
