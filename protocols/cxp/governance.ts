/**
 * CXP exchanges, as the circle's governing body runs them: membership is granted here,
 * not taken. Approving an exchange creates its `cxp` community (mirror currency and
 * import-export account with the circle's min and max), its registry row and its Hawk
 * credentials, shown once. Block, key rotation, ticks and legacy mode are here too.
 */
import {
  Community, ExchangeService, MirrorExchange, audit, formatAmount, isCommunityError, parseAmount,
} from '../../src/core';
import {
  GovernanceDeps, HttpError, Operation, SetStatus, communityFailure, operation, requireCommunity,
} from '../../src/governance';
import * as S from './schemas/governance';
import { CxpExchange, ExchangeStore, newHawkId, newKey, uriKey } from './store';
import { ticksToRate } from './translate';

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

export function exchangeView(c: Community, ex: CxpExchange, mirror: MirrorExchange, locked: boolean, mismatches?: number) {
  return {
    code: c.code,
    name: ex.title,
    uri: ex.uri,
    site: ex.uriKey,
    status: c.status,
    hawkId: ex.hawkId,
    ticks: ex.ticks,
    ticksLocked: locked,
    rate: { n: c.rateN, d: c.rateD },
    creditLimit: formatAmount(mirror.creditLimitHour),
    maxBalance: formatAmount(mirror.maxBalanceHour),
    ratioPercent: ex.ratioPercent,
    volume: ex.volume === null ? null : formatAmount(ex.volume),
    authentication: ex.legacy ? 'legacy' : 'hawk',
    legacyIps: ex.legacyIps,
    declared: ex.declared,
    handshakeAt: iso(ex.handshakeAt),
    firstTradeAt: iso(mirror.firstTradeAt),
    ...(mismatches === undefined ? {} : { balanceMismatches: mismatches }),
    createdAt: iso(ex.createdAt)!,
  };
}

/** The governing body's operations on CXP exchanges, over the protocol's own exchange store. */
export function cxpOperations(deps: GovernanceDeps & { exchanges: ExchangeService; store: ExchangeStore }): Operation[] {
  const { exchanges, store } = deps;

  const requireExchange = async (code: string): Promise<{ c: Community; ex: CxpExchange }> => {
    const c = await requireCommunity(deps, code);
    const ex = c.kind === 'cxp' ? await store.byCommunity(c.id) : null;
    if (!ex) throw new HttpError(404, 'unknown_exchange', `${code} is not a CXP exchange of this hub`, 'code');
    return { c, ex };
  };

  const view = async (c: Community, ex: CxpExchange, withMismatches = false) => {
    const mirror = await exchanges.get(c.id);
    if (!mirror) throw new Error(`CXP exchange ${c.code} has no mirror record`);
    // Ticks are locked from the first trade on (the handshake applies them until then).
    const locked = (await exchanges.tradeCount(c.id)) > 0;
    return exchangeView(c, ex, mirror, locked, withMismatches ? await exchanges.mismatchCount(c.id) : undefined);
  };

  return [
    operation({
      id: 'approveExchange', method: 'post', path: '/exchanges', tag: 'cxp',
      access: { right: 'write', scope: 'hub' },
      summary: 'Approve a CXP exchange: its community, mirror currency, limits and Hawk credentials (shown once)',
      description: 'Answers once the mirror currency and the import-export account exist on the ledger.',
      body: S.ApproveExchange,
      responses: { 201: { description: 'the exchange and its credentials: give them to the exchange, they are not shown again', schema: S.ExchangeCredentials } },
      errors: [400, 401, 409, 503],
      async handle({ body, actor }) {
        const rate = ticksToRate(body.ticks ?? '1');
        if (!rate) throw new HttpError(400, 'invalid_request', 'ticks cannot be a ledger rate: keep it between 0.0000001 and 214748 with at most 7 decimals', 'ticks');
        const site = uriKey(body.uri);
        if (await store.byUriKey(site)) throw new HttpError(409, 'duplicate_exchange', `an exchange at ${site} is already a member`, 'uri');
        const creditHour = parseAmount(body.creditLimit, { allowZero: true }) as bigint;
        const maxHour = parseAmount(body.maxBalance, { allowZero: true }) as bigint;
        const hawkId = newHawkId();
        const key = newKey();
        const legacyKey = body.legacy ? newKey() : undefined;
        let ex: CxpExchange | null = null;
        // The exchange's registry row and keys are written with its community, all or nothing.
        const c = await exchanges.create({
          code: body.code, name: body.name, kind: 'cxp', rate, creditLimitHour: creditHour, maxBalanceHour: maxHour,
          async alsoWrite(trx, created) {
            ex = await CxpExchange.query(trx).insertAndFetch({
              communityId: created.id, uri: body.uri, uriKey: site, title: body.name, hawkId, ticks: body.ticks ?? '1',
              ratioPercent: body.ratioPercent ?? 0, legacy: Boolean(body.legacy), legacyIps: body.legacy?.ips ?? [],
            });
            await store.sealHawkKey(trx, ex, key);
            if (legacyKey) await store.sealLegacyKey(trx, created.id, legacyKey);
            await audit(trx, {
              actor, action: 'exchange.approve', subject: `exchange:${created.code}`,
              after: { uri: body.uri, hawkId, ticks: ex.ticks, creditLimit: creditHour, maxBalance: maxHour, ratioPercent: ex.ratioPercent, legacy: ex.legacy },
            });
          },
        }, actor);
        if (isCommunityError(c)) throw communityFailure(c);
        if (!ex) throw new Error(`exchange ${c.code} was created without its registry row`);
        store.invalidate();
        return {
          status: 201,
          body: { exchange: await view(c, ex as CxpExchange), hawk: { id: hawkId, key, algorithm: 'sha256' }, ...(legacyKey ? { legacyKey } : {}) },
          headers: { Location: `/governance/v1/exchanges/${c.code}` },
        };
      },
    }),
    operation({
      id: 'listExchanges', method: 'get', path: '/exchanges', tag: 'cxp',
      access: { right: 'read', scope: 'hub' },
      summary: 'Every CXP exchange, marking those on the weaker legacy authentication',
      responses: { 200: { description: 'the exchanges', schema: S.ExchangeList } },
      errors: [401, 503],
      async handle() {
        const byId = new Map((await deps.communities.list()).map((c) => [c.id, c]));
        const out = [];
        for (const ex of await store.list()) {
          const c = byId.get(ex.communityId);
          if (c) out.push(await view(c, ex));
        }
        return { status: 200, body: { exchanges: out } };
      },
    }),
    operation({
      id: 'getExchange', method: 'get', path: '/exchanges/{code}', tag: 'cxp',
      access: { right: 'read', community: { param: 'code' } },
      summary: 'One exchange: limits, ticks, declared data, authentication, balance mismatches',
      responses: { 200: { description: 'the exchange', schema: S.Exchange } },
      errors: [401, 404, 503],
      async handle({ params }) {
        const { c, ex } = await requireExchange(params.code);
        return { status: 200, body: await view(c, ex, true) };
      },
    }),
    operation({
      id: 'listBalanceMismatches', method: 'get', path: '/exchanges/{code}/mismatches', tag: 'cxp',
      access: { right: 'read', community: { param: 'code' } },
      summary: 'Prepare forms whose declared balance did not match the hub (newest first, up to 100)',
      responses: { 200: { description: 'the mismatches', schema: S.BalanceMismatchList } },
      errors: [401, 404, 503],
      async handle({ params }) {
        const { c } = await requireExchange(params.code);
        const rows = await exchanges.mismatches(c.id, 100);
        return {
          status: 200,
          body: {
            mismatches: rows.map((r) => ({
              declared: formatAmount(r.declared), hub: formatAmount(r.hub),
              volume: r.volume === null ? null : formatAmount(r.volume), at: iso(r.at),
            })),
          },
        };
      },
    }),
    operation({
      id: 'setExchangeStatus', method: 'put', path: '/exchanges/{code}/status', tag: 'cxp',
      access: { right: 'write', community: { param: 'code' } },
      summary: 'Block an exchange (code 16, handshake status 0) or let it trade again',
      body: SetStatus,
      responses: { 200: { description: 'the exchange', schema: S.Exchange } },
      errors: [400, 401, 404, 503],
      async handle({ params, body, actor }) {
        const { ex } = await requireExchange(params.code);
        const c = await deps.communities.setStatus(params.code, body.status, actor);
        if (isCommunityError(c)) throw communityFailure(c);
        store.invalidate();
        return { status: 200, body: await view(c, ex) };
      },
    }),
    operation({
      id: 'rotateExchangeKey', method: 'post', path: '/exchanges/{code}/key', tag: 'cxp',
      access: { right: 'write', scope: 'hub' },
      summary: 'Issue a new Hawk key (shown once); the old one stops working at once',
      responses: { 200: { description: 'the new credentials', schema: S.ExchangeCredentials } },
      errors: [401, 404, 503],
      async handle({ params, actor }) {
        const { c, ex } = await requireExchange(params.code);
        const key = newKey();
        const updated = await deps.db.community(c.id, async (trx) => {
          // No previous key is honoured after a rotation by the governing body.
          await store.sealHawkKey(trx, ex, key, { previous: '' });
          await audit(trx, { actor, action: 'exchange.rotate-key', subject: `exchange:${c.code}`, before: { keyVersion: ex.keyVersion }, after: { keyVersion: ex.keyVersion + 1 } });
          return store.patch(c.id, { keyVersion: ex.keyVersion + 1 }, trx);
        });
        return { status: 200, body: { exchange: await view(c, updated), hawk: { id: ex.hawkId, key, algorithm: 'sha256' } } };
      },
    }),
    operation({
      id: 'setExchangeTicks', method: 'put', path: '/exchanges/{code}/ticks', tag: 'cxp',
      access: { right: 'write', community: { param: 'code' } },
      summary: 'Set the exchange\'s ticks (and so its rate), also after its first trade; its limits stay the same in HOUR',
      body: S.SetTicks,
      responses: { 200: { description: 'the exchange', schema: S.Exchange } },
      errors: [400, 401, 404, 422, 503],
      async handle({ params, body, actor }) {
        const { ex } = await requireExchange(params.code);
        const rate = ticksToRate(body.ticks);
        if (!rate) throw new HttpError(400, 'invalid_request', 'ticks cannot be a ledger rate', 'ticks');
        const c = await deps.rates.change({ id: ex.communityId }, rate, actor);
        if (isCommunityError(c)) throw communityFailure(c);
        const updated = await store.patch(c.id, { ticks: body.ticks });
        return { status: 200, body: await view(c, updated) };
      },
    }),
    operation({
      id: 'setExchangeLegacy', method: 'put', path: '/exchanges/{code}/legacy', tag: 'cxp',
      access: { right: 'write', scope: 'hub' },
      summary: 'Opt an exchange in to (or out of) legacy mode: the Drupal client\'s body key + IP allowlist, without HMAC',
      body: S.SetLegacy,
      responses: { 200: { description: 'the exchange, and the new legacy key when enabled (shown once)', schema: S.ExchangeCredentials } },
      errors: [400, 401, 404, 503],
      async handle({ params, body, actor }) {
        const { c, ex } = await requireExchange(params.code);
        if (body.enabled && !body.ips && ex.legacyIps.length === 0) throw new HttpError(400, 'invalid_request', 'legacy mode needs the addresses the exchange posts from', 'ips');
        const legacyKey = body.enabled ? newKey() : undefined;
        const updated = await deps.db.community(c.id, async (trx) => {
          if (legacyKey) await store.sealLegacyKey(trx, c.id, legacyKey);
          await audit(trx, { actor, action: 'exchange.legacy', subject: `exchange:${c.code}`, before: { legacy: ex.legacy, ips: ex.legacyIps }, after: { legacy: body.enabled, ips: body.ips ?? ex.legacyIps } });
          return store.patch(c.id, { legacy: body.enabled, legacyIps: body.ips ?? ex.legacyIps }, trx);
        });
        return { status: 200, body: { exchange: await view(c, updated), ...(legacyKey ? { legacyKey } : {}) } };
      },
    }),
  ];
}

