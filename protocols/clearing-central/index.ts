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
import { createOutgoingService } from './outgoing';
import { PREFIX, ccRouter, failureReply } from './routes';
import { createCcStore } from './store';

export function start(deps: ProtocolDeps): Protocol {
  const store = createCcStore(deps);
  const incoming = createIncomingService({ ...deps, store });
  const client = createCcClient(deps.config.clearingCentral);
  const outgoing = createOutgoingService({ ...deps, store, client });
  const wire = ccRouter({ incoming, store, communities: deps.communities, bodyLimit: deps.config.bodyLimit });
  const router = new Router<HttpState>();
  router.use(wire.routes(), wire.allowedMethods());
  return {
    router,
    governance: ccOperations({ ...deps, store, outgoing }),
    paths: {
      owns: (path) => path === PREFIX || path.startsWith(`${PREFIX}/`),
      // Forwards are parsed here into a flat map: the shared parser would nest `a[b]=` keys.
      readsRawBody: () => true,
      // Whatever the shared edge refuses (NUL in the query, a body too large) is faulty data; a bug is 9.
      answerError: (ctx, e) => failureReply(ctx, e.status < 500 ? Code.FaultyData : Code.ServerError),
    },
  };
}
