/**
 * CXP exchanges, as the circle's governing body runs them: membership is granted here,
 * not taken. Approving an exchange creates its `cxp` community (mirror currency and
 * import-export account with the circle's min and max), its registry row and its Hawk
 * credentials, shown once. Block, key rotation, ticks and legacy mode are here too.
 */
import { Core } from '../app';
import { formatAmount, parseAmount } from '../core/amounts';
import { audit } from '../core/audit';
import { isAccountError } from '../core/accounts/errors';
import { isCommunityError } from '../core/communities/errors';
import { Community } from '../core/communities/model';
import { IMPORT_EXPORT_CODE } from '../core/communities/service';
import { HttpError } from '../http/errors';
import { CxpExchange, ExchangeStore, exchangeStore, newHawkId, newKey, uriKey } from '../../protocols/cxp/store';
import { hourToLocal, ticksToRate } from '../../protocols/cxp/translate';
import { accountFailure, communityFailure } from './errors';
import { requireCommunity } from './lookup';
import { GovernanceDeps, Operation, operation } from './operation';
import { SetStatus } from './schemas/communities';
import * as S from './schemas/cxp';

const HOUR = 10_000_000n;
const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

export function exchangeView(c: Community, ex: CxpExchange, locked: boolean, mismatches?: number) {
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
    creditLimit: formatAmount(-ex.minHour),
    maxBalance: formatAmount(ex.maxHour),
    ratioPercent: ex.ratioPercent,
    volume: ex.volume === null ? null : formatAmount(ex.volume),
    authentication: ex.legacy ? 'legacy' : 'hawk',
    legacyIps: ex.legacyIps,
    declared: ex.declared,
    handshakeAt: iso(ex.handshakeAt),
    firstTradeAt: iso(ex.firstTradeAt),
    ...(mismatches === undefined ? {} : { balanceMismatches: mismatches }),
    createdAt: iso(ex.createdAt)!,
  };
}

/** The mirror currency's settings, sized so the ledger never binds before the circle's limits do. */
function mirrorSettings(creditLimit: bigint, maxBalance: bigint) {
  const atLeast = (x: bigint, hours: bigint) => (x > hours * HOUR ? x : hours * HOUR);
  const traderCredit = atLeast(maxBalance, 100n);
  const traderMaxBalance = atLeast(traderCredit + creditLimit, 1000n);
  return {
    traderCredit: formatAmount(traderCredit),
    traderMaxBalance: formatAmount(traderMaxBalance),
    creditBalance: formatAmount(atLeast(2n * (traderCredit + creditLimit), 1_000_000n)),
  };
}

export function cxpOperations(governance: GovernanceDeps): Operation[] {
  // The hub hands governance the whole core; sealing keys needs its keyring.
  const deps = governance as GovernanceDeps & Pick<Core, 'keyring'>;
  let cached: ExchangeStore | null = null;
  const store = () => (cached ??= exchangeStore({ db: deps.db, keyring: deps.keyring }));

  const requireExchange = async (code: string): Promise<{ c: Community; ex: CxpExchange }> => {
    const c = await requireCommunity(deps, code);
    const ex = c.kind === 'cxp' ? await store().byCommunity(c.id) : null;
    if (!ex) throw new HttpError(404, 'unknown_exchange', `${code} is not a CXP exchange of this hub`, 'code');
    return { c, ex };
  };

  const locked = (ex: CxpExchange) => deps.db.community(ex.communityId, async (trx) => {
    const row = await trx('transfers').first('id')
      .where((q) => q.where({ community_id: ex.communityId }).orWhere({ payee_community_id: ex.communityId }))
      .whereIn('state', ['settled', 'delivered', 'compensated']);
    return Boolean(row);
  });

  const view = async (c: Community, ex: CxpExchange, withMismatches = false) => {
    const mismatches = withMismatches
      ? Number((await deps.db.community(c.id, (trx) => trx('cxp_balance_mismatches').count({ n: '*' })))[0].n)
      : undefined;
    return exchangeView(c, ex, await locked(ex), mismatches);
  };

  return [
    operation({
      id: 'approveExchange', method: 'post', path: '/exchanges', tag: 'cxp',
      summary: 'Approve a CXP exchange: its community, mirror currency, limits and Hawk credentials (shown once)',
      description: 'Answers once the mirror currency and the import-export account exist on the ledger.',
      body: S.ApproveExchange,
      responses: { 201: { description: 'the exchange and its credentials: give them to the exchange, they are not shown again', schema: S.ExchangeCredentials } },
      errors: [400, 401, 409, 503],
      async handle({ body, actor }) {
        const rate = ticksToRate(body.ticks ?? '1');
        if (!rate) throw new HttpError(400, 'invalid_request', 'ticks cannot be a ledger rate: keep it between 0.0000001 and 214748 with at most 7 decimals', 'ticks');
        const site = uriKey(body.uri);
        if (await store().byUriKey(site)) throw new HttpError(409, 'duplicate_exchange', `an exchange at ${site} is already a member`, 'uri');
        const creditHour = parseAmount(body.creditLimit, { allowZero: true }) as bigint;
        const maxHour = parseAmount(body.maxBalance, { allowZero: true }) as bigint;
        const shape = { rateN: rate.n, rateD: rate.d };
        const creditLimit = hourToLocal(creditHour, shape);
        const maxBalance = hourToLocal(maxHour, shape);
        const c = await deps.communities.create({
          code: body.code, name: body.name, kind: 'cxp', rate,
          settings: mirrorSettings(creditLimit, maxBalance),
          importExport: { creditLimit: formatAmount(creditLimit), maxBalance: formatAmount(maxBalance) },
        }, actor);
        if (isCommunityError(c)) throw communityFailure(c);
        const hawkId = newHawkId();
        const key = newKey();
        const legacyKey = body.legacy ? newKey() : undefined;
        const ex = await deps.db.community(c.id, async (trx) => {
          const row = await CxpExchange.query(trx).insertAndFetch({
            communityId: c.id, uri: body.uri, uriKey: site, title: body.name, hawkId, ticks: body.ticks ?? '1',
            minHour: -creditHour, maxHour, ratioPercent: body.ratioPercent ?? 0, legacy: Boolean(body.legacy), legacyIps: body.legacy?.ips ?? [],
          });
          await store().sealHawkKey(trx, row, key);
          if (legacyKey) await store().sealLegacyKey(trx, c.id, legacyKey);
          await audit(trx, {
            actor, action: 'exchange.approve', subject: `exchange:${c.code}`,
            after: { uri: body.uri, hawkId, ticks: row.ticks, creditLimit: creditHour, maxBalance: maxHour, ratioPercent: row.ratioPercent, legacy: row.legacy },
          });
          return row;
        });
        store().invalidate();
        return {
          status: 201,
          body: { exchange: await view(c, ex), hawk: { id: hawkId, key, algorithm: 'sha256' }, ...(legacyKey ? { legacyKey } : {}) },
          headers: { Location: `/governance/v1/exchanges/${c.code}` },
        };
      },
    }),
    operation({
      id: 'listExchanges', method: 'get', path: '/exchanges', tag: 'cxp',
      summary: 'Every CXP exchange, marking those on the weaker legacy authentication',
      responses: { 200: { description: 'the exchanges', schema: S.ExchangeList } },
      errors: [401, 503],
      async handle() {
        const byId = new Map((await deps.communities.list()).map((c) => [c.id, c]));
        const out = [];
        for (const ex of await store().list()) {
          const c = byId.get(ex.communityId);
          if (c) out.push(await view(c, ex));
        }
        return { status: 200, body: { exchanges: out } };
      },
    }),
    operation({
      id: 'getExchange', method: 'get', path: '/exchanges/{code}', tag: 'cxp',
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
      summary: 'Prepare forms whose declared balance did not match the hub (newest first, up to 100)',
      responses: { 200: { description: 'the mismatches', schema: S.BalanceMismatchList } },
      errors: [401, 404, 503],
      async handle({ params }) {
        const { c } = await requireExchange(params.code);
        const rows = await deps.db.community(c.id, (trx) => trx('cxp_balance_mismatches').orderBy('id', 'desc').limit(100));
        return {
          status: 200,
          body: {
            mismatches: rows.map((r: { declared: string; hub: string; volume: string | null; at: Date }) => ({
              declared: formatAmount(BigInt(r.declared)), hub: formatAmount(BigInt(r.hub)),
              volume: r.volume === null ? null : formatAmount(BigInt(r.volume)), at: iso(r.at),
            })),
          },
        };
      },
    }),
    operation({
      id: 'setExchangeStatus', method: 'put', path: '/exchanges/{code}/status', tag: 'cxp',
      summary: 'Block an exchange (code 16, handshake status 0) or let it trade again',
      body: SetStatus,
      responses: { 200: { description: 'the exchange', schema: S.Exchange } },
      errors: [400, 401, 404, 503],
      async handle({ params, body, actor }) {
        const { ex } = await requireExchange(params.code);
        const c = await deps.communities.setStatus(params.code, body.status, actor);
        if (isCommunityError(c)) throw communityFailure(c);
        store().invalidate();
        return { status: 200, body: await view(c, ex) };
      },
    }),
    operation({
      id: 'rotateExchangeKey', method: 'post', path: '/exchanges/{code}/key', tag: 'cxp',
      summary: 'Issue a new Hawk key (shown once); the old one stops working at once',
      responses: { 200: { description: 'the new credentials', schema: S.ExchangeCredentials } },
      errors: [401, 404, 503],
      async handle({ params, actor }) {
        const { c, ex } = await requireExchange(params.code);
        const key = newKey();
        const updated = await deps.db.community(c.id, async (trx) => {
          // No previous key is honoured after a rotation by the governing body.
          await store().sealHawkKey(trx, ex, key, { previous: '' });
          await audit(trx, { actor, action: 'exchange.rotate-key', subject: `exchange:${c.code}`, before: { keyVersion: ex.keyVersion }, after: { keyVersion: ex.keyVersion + 1 } });
          return store().patch(c.id, { keyVersion: ex.keyVersion + 1 }, trx);
        });
        return { status: 200, body: { exchange: await view(c, updated), hawk: { id: ex.hawkId, key, algorithm: 'sha256' } } };
      },
    }),
    operation({
      id: 'setExchangeTicks', method: 'put', path: '/exchanges/{code}/ticks', tag: 'cxp',
      summary: 'Set the exchange\'s ticks (and so its rate), also after its first trade; its limits stay the same in HOUR',
      body: S.SetTicks,
      responses: { 200: { description: 'the exchange', schema: S.Exchange } },
      errors: [400, 401, 404, 422, 503],
      async handle({ params, body, actor }) {
        const { ex } = await requireExchange(params.code);
        const rate = ticksToRate(body.ticks);
        if (!rate) throw new HttpError(400, 'invalid_request', 'ticks cannot be a ledger rate', 'ticks');
        const c = await deps.communities.setRate(params.code, rate, actor);
        if (isCommunityError(c)) throw communityFailure(c);
        const a = await deps.accounts.setLimits(c, IMPORT_EXPORT_CODE, {
          creditLimit: formatAmount(hourToLocal(-ex.minHour, c)), maxBalance: formatAmount(hourToLocal(ex.maxHour, c)),
        }, actor);
        if (isAccountError(a)) throw accountFailure(a, 'ticks');
        const updated = await store().patch(c.id, { ticks: body.ticks });
        return { status: 200, body: await view(c, updated) };
      },
    }),
    operation({
      id: 'setExchangeLegacy', method: 'put', path: '/exchanges/{code}/legacy', tag: 'cxp',
      summary: 'Opt an exchange in to (or out of) legacy mode: the Drupal client\'s body key + IP allowlist, without HMAC',
      body: S.SetLegacy,
      responses: { 200: { description: 'the exchange, and the new legacy key when enabled (shown once)', schema: S.ExchangeCredentials } },
      errors: [400, 401, 404, 503],
      async handle({ params, body, actor }) {
        const { c, ex } = await requireExchange(params.code);
        if (body.enabled && !body.ips && ex.legacyIps.length === 0) throw new HttpError(400, 'invalid_request', 'legacy mode needs the addresses the exchange posts from', 'ips');
        const legacyKey = body.enabled ? newKey() : undefined;
        const updated = await deps.db.community(c.id, async (trx) => {
          if (legacyKey) await store().sealLegacyKey(trx, c.id, legacyKey);
          await audit(trx, { actor, action: 'exchange.legacy', subject: `exchange:${c.code}`, before: { legacy: ex.legacy, ips: ex.legacyIps }, after: { legacy: body.enabled, ips: body.ips ?? ex.legacyIps } });
          return store().patch(c.id, { legacy: body.enabled, legacyIps: body.ips ?? ex.legacyIps }, trx);
        });
        return { status: 200, body: { exchange: await view(c, updated), ...(legacyKey ? { legacyKey } : {}) } };
      },
    }),
  ];
}

