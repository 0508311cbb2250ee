/**
 * The CXP intertrading protocol (2013 API, Hawk HMAC), and the deployed Drupal client's
 * legacy variant. The hub is the circle's clearing server: each member exchange is a
 * `cxp` community; its payments are core transfers, relayed to the receiving exchange
 * through the outbox (`cxp.relay`), also when they come from another protocol (onward).
 * This is how a hub starts it; what it declares is in plugin.ts, which loads this file.
 */
import Router from '@koa/router';
import { HttpState } from '../../src/http/server';
import { Protocol, ProtocolDeps } from '../../src/protocol';
import { cxpOperations } from './governance';
import { RELAY_KIND, createRelayClient, relayTarget } from './client';
import { LEGACY_PREFIX, failure as legacyFailure, legacyRouter, reply as legacyReply } from './legacy';
import { CxpFailure, tooLarge, typeError, unavailable } from './errors';
import { openApiDocument } from './openapi';
import { PREFIX, cxpRouter } from './routes';
import { createCxpService } from './service';
import { createExchangeStore } from './store';
import { decimalText, localToHour } from './translate';

/** How long one relay may take, connection to last byte. */
const RELAY_TIMEOUT_MS = 5000;

export function start(deps: ProtocolDeps): Protocol {
  const store = createExchangeStore(deps);
  const relay = createRelayClient({ store, timeoutMs: RELAY_TIMEOUT_MS });
  const service = createCxpService({ ...deps, store, relay });
  deps.deliveries.register(RELAY_KIND, (d) => relay.deliver(d));

  // A payment from another protocol to a member of an exchange: relayed like a try.
  deps.onward.register('cxp', async (p) => {
    const ex = await store.byCommunity(p.community.id);
    if (!ex) throw new Error(`community ${p.community.code} is not a CXP exchange of this hub`);
    const message = service.onwardMessage(ex, {
      payer: p.payerRef, payer_url: p.payerUrl, payee: p.payeeRef,
      quantity: decimalText(localToHour(p.amount, p.community)), description: p.description.slice(0, 255), temp_id: p.reference.slice(0, 64),
    });
    return { kind: RELAY_KIND, target: relayTarget(ex), payload: { exchange: ex.communityId, message } };
  });

  const router = new Router<HttpState>();
  const main = cxpRouter({ service, store, logger: deps.logger, bodyLimit: deps.config.bodyLimit, openApi: openApiDocument });
  const legacy = legacyRouter({ service, store, logger: deps.logger });
  router.use(main.routes(), main.allowedMethods());
  router.use(legacy.routes(), legacy.allowedMethods());
  return {
    router,
    governance: cxpOperations({ ...deps, store }),
    paths: {
      owns: (path) => path === PREFIX || path.startsWith(`${PREFIX}/`),
      // Hawk's payload hash is over the exact bytes sent; the legacy client posts a form.
      readsRawBody: (path) => !path.startsWith(`${LEGACY_PREFIX}/`),
      answerError(ctx, e) {
        // The shared edge refuses NUL in a form or query field by name: CXP's "invalid characters".
        const failure = e.status === 413
          ? tooLarge()
          : e.retryAfter !== undefined ? unavailable(e.message, e.retryAfter)
          : e.code === 'invalid_request' && e.field ? new CxpFailure(13, { '@fieldname': e.field })
          : e.status < 500 ? typeError('body', 'JSON object') : new CxpFailure(5, { '@message': `internal error; request id ${ctx.state.requestId}` });
        if (ctx.path.startsWith(`${LEGACY_PREFIX}/`)) return legacyReply(ctx, legacyFailure(failure));
        ctx.status = failure.status;
        ctx.type = 'application/json';
        ctx.body = failure.body();
      },
    },
  };
}
