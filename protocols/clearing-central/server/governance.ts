/**
 * The hub's Clearing Central, governed: register the CES exchanges it serves (each a
 * `ces` mirror community whose import-export account's limits are its trade surplus and
 * deficit limits, with credit lines to every other exchange served so the ledger's
 * only binding limits are those), list hub communities under a NID so sellers can bill
 * their members, edit and block exchanges, reset passwords (shown once), and see each
 * exchange's totals in the original's terms next to the ledger's.
 */
import {
  Community, CreditLineService, ExchangeService, MirrorExchange, audit, formatAmount, hourToLocal, isAccountError, isCommunityError, parseAmount,
  IMPORT_EXPORT_CODE, localToHour,
} from '../../../src/core';
import { GovernanceDeps, HttpError, Operation, communityFailure, operation, requireCommunity } from '../../../src/governance';
import { checkEntry } from '../allowlist';
import * as S from '../schemas/server';
import { amountText, convRateToRate } from '../translate';
import { hashPassword, newPassword } from './password';
import { CcsMember, Registry, isServed } from './registry';
import { TxStore } from './transactions';

const iso = (d: Date | string) => new Date(d).toISOString();

/** A line wide enough never to bind before the exchanges' own limits do: the truster's surplus limit, at least 1 HOUR. */
const lineFor = (ex: MirrorExchange | null, c: Community): string => formatAmount(hourToLocal(ex && ex.maxBalanceHour > 10_000_000n ? ex.maxBalanceHour : 10_000_000n, c));

export function ccsOperations(deps: GovernanceDeps & { exchanges: ExchangeService; creditLines: CreditLineService; registry: Registry; txs: TxStore; serverPath: string }): Operation[] {
  const { registry, exchanges, communities, creditLines } = deps;

  const checkForwarding = (b: { dataUrl?: string; requestFormat?: string; ips?: string[] }) => {
    if (b.requestFormat === 'xml') {
      throw new HttpError(400, 'invalid_request', 'requestFormat xml is not supported: the original server sends XML that is not well-formed and no client implements it; register the exchange with post or get', 'requestFormat');
    }
    for (const ip of b.ips ?? []) {
      const bad = checkEntry(ip);
      if (bad) throw new HttpError(400, 'invalid_request', bad, 'ips');
    }
  };

  const view = async (m: CcsMember, extra: { password?: string } = {}) => {
    const c = await communities.getById(m.communityId);
    const mirror = isServed(m) ? await exchanges.get(m.communityId) : null;
    return {
      code: isCommunityError(c) ? '?' : c.code, nid: m.nid, xid: m.xid, name: m.name, country: m.country, system: m.system, convRate: m.convRate,
      served: isServed(m), dataUrl: m.dataUrl, requestFormat: m.requestFormat, ips: m.allowedIps, active: m.active,
      tradeSurplusLimit: mirror ? formatAmount(mirror.maxBalanceHour) : null, tradeDeficitLimit: mirror ? formatAmount(mirror.creditLimitHour) : null,
      ...extra, createdAt: iso(m.createdAt),
    };
  };

  const requireMember = async (code: string) => {
    const c = await requireCommunity(deps, code);
    const m = await registry.byCommunity(c.id);
    if (!m) throw new HttpError(404, 'not_registered', `${code} is not registered with this hub's Clearing Central`, 'code');
    return { c, m };
  };

  /** The NID asked for, or the lowest free one; 409 when taken. */
  const allocate = async (trx: Parameters<Registry['freeNid']>[0], asked: string | undefined): Promise<string> => {
    if (asked) {
      if (await trx('ccs_members').where({ nid: asked }).first()) throw new HttpError(409, 'duplicate_nid', `${asked} is already registered`, 'nid');
      return asked;
    }
    const nid = await registry.freeNid(trx);
    if (!nid) throw new HttpError(409, 'no_free_nid', 'every NID from cen0001 to cen9999 is taken', 'nid');
    return nid;
  };

  return [
    operation({
      id: 'ccsRegisterExchange', method: 'post', path: '/clearing-central/server/exchanges', tag: 'clearing-central',
      summary: 'Register a CES exchange with this hub\'s Clearing Central: its `ces` mirror community, NID, password (shown once), callers, data_url and trade limits',
      description: 'The trade limits are its import-export account\'s limits, in HOUR: the ledger refuses (4) a transaction past them before anything is forwarded. Credit lines to every other exchange served here are set so that only those limits bind.',
      body: S.Register,
      responses: { 201: { description: 'the exchange, with its password (shown only now)', schema: S.Member } },
      errors: [400, 401, 409, 503],
      async handle({ body, actor }) {
        checkForwarding(body);
        const rate = convRateToRate(body.convRate);
        if (!rate) throw new HttpError(400, 'invalid_request', 'convRate must be a positive number of units per hour, at most 7 decimals, whose inverse is a fraction of 32-bit integers', 'convRate');
        const password = newPassword();
        const hash = await hashPassword(password);
        let row: CcsMember | null = null;
        const c = await exchanges.create({
          code: body.code, name: body.name, kind: 'ces', rate,
          creditLimitHour: parseAmount(body.tradeDeficitLimit, { allowZero: true }) as bigint,
          maxBalanceHour: parseAmount(body.tradeSurplusLimit, { allowZero: true }) as bigint,
          async alsoWrite(trx, created) {
            row = await registry.insert(trx, {
              communityId: created.id, nid: await allocate(trx, body.nid), xid: body.xid ?? '', name: body.name, country: body.country, system: body.system ?? '',
              convRate: body.convRate, passwordHash: hash, allowedIps: body.ips, dataUrl: body.dataUrl, requestFormat: body.requestFormat as 'post' | 'get', active: true,
            });
            await audit(trx, { actor, action: 'clearing-central.server.register', subject: `exchange:${created.code}`, after: { ...body, nid: row.nid } });
          },
        }, actor);
        if (isCommunityError(c)) throw communityFailure(c);
        if (!row) throw new Error(`exchange ${c.code} was created without its registry row`);
        registry.invalidate();
        // Every exchange served here trades with every other, as at the original Clearing Central.
        const mine = await exchanges.get(c.id);
        for (const other of (await registry.list()).filter((m) => isServed(m) && m.communityId !== c.id)) {
          const oc = await communities.getById(other.communityId);
          if (isCommunityError(oc)) continue;
          await creditLines.set(c, oc, lineFor(mine, c), actor);
          await creditLines.set(oc, c, lineFor(await exchanges.get(oc.id), oc), actor);
        }
        return { status: 201, body: await view(row, { password }), headers: { Location: `/governance/v1/clearing-central/server/exchanges/${c.code}` } };
      },
    }),
    operation({
      id: 'ccsListCommunity', method: 'post', path: '/clearing-central/server/listings', tag: 'clearing-central',
      summary: 'List a hosted community of this hub under a NID, so sellers at this Clearing Central can bill its members (paid directly, at once)',
      description: 'Its members are named by account code in buyer_id. It cannot post transactions itself (no password): its members bill CES members through part 1 (`cc bill`).',
      body: S.List,
      responses: { 201: { description: 'the listing', schema: S.Member } },
      errors: [400, 401, 404, 409, 503],
      async handle({ body, actor }) {
        const c = await requireCommunity(deps, body.community, 'community');
        if (c.kind !== 'hosted') throw new HttpError(400, 'invalid_request', `${c.code} is not a hosted community: only members kept here can be billed directly`, 'community');
        if (await registry.byCommunity(c.id)) throw new HttpError(409, 'already_registered', `${c.code} is already listed`, 'community');
        const row = await deps.db.community(c.id, async (trx) => {
          const r = await registry.insert(trx, {
            communityId: c.id, nid: await allocate(trx, body.nid), name: c.name.slice(0, 100), country: '', convRate: amountText((BigInt(c.rateD) * 10_000_000n) / BigInt(c.rateN)),
            passwordHash: null, allowedIps: [], dataUrl: null, requestFormat: null, active: true,
          });
          await audit(trx, { actor, action: 'clearing-central.server.list', subject: `community:${c.code}`, after: { nid: r.nid } });
          return r;
        });
        registry.invalidate();
        return { status: 201, body: await view(row) };
      },
    }),
    operation({
      id: 'ccsListMembers', method: 'get', path: '/clearing-central/server/exchanges', tag: 'clearing-central',
      summary: 'Every exchange and listed community of this hub\'s Clearing Central, by NID',
      responses: { 200: { description: 'the registry', schema: S.MemberList } },
      errors: [401, 503],
      async handle() {
        const out = [];
        for (const m of await registry.list()) out.push(await view(m));
        return { status: 200, body: { members: out } };
      },
    }),
    operation({
      id: 'ccsEditExchange', method: 'put', path: '/clearing-central/server/exchanges/{code}', tag: 'clearing-central',
      summary: 'Edit a registered exchange: name, country, system, callers, data_url, trade limits; active false blocks it',
      body: S.Edit,
      responses: { 200: { description: 'the exchange', schema: S.Member } },
      errors: [400, 401, 404, 503],
      async handle({ params, body, actor }) {
        const { c, m } = await requireMember(params.code);
        checkForwarding(body);
        if (!isServed(m) && (body.dataUrl || body.requestFormat || body.ips || body.tradeDeficitLimit || body.tradeSurplusLimit)) {
          throw new HttpError(400, 'invalid_request', `${c.code} is a community of this hub, listed: it has no data_url, callers or trade limits here`, 'code');
        }
        if (body.tradeDeficitLimit !== undefined || body.tradeSurplusLimit !== undefined) {
          const mirror = await exchanges.get(c.id);
          if (!mirror) throw new Error(`exchange ${c.code} has no mirror record`);
          const deficit = body.tradeDeficitLimit !== undefined ? parseAmount(body.tradeDeficitLimit, { allowZero: true }) as bigint : mirror.creditLimitHour;
          const surplus = body.tradeSurplusLimit !== undefined ? parseAmount(body.tradeSurplusLimit, { allowZero: true }) as bigint : mirror.maxBalanceHour;
          const a = await deps.accounts.setLimits(c, IMPORT_EXPORT_CODE, { creditLimit: formatAmount(hourToLocal(deficit, c)), maxBalance: formatAmount(hourToLocal(surplus, c)) }, actor);
          if (isAccountError(a)) throw new HttpError(409, 'limits_refused', `the import-export account's limits could not be set: ${a}`, 'tradeDeficitLimit');
          // Kept in HOUR too, so a rate change keeps them (src/core/rates).
          await deps.db.community(c.id, async (trx) => MirrorExchange.query(trx).patch({ creditLimitHour: deficit, maxBalanceHour: surplus }).where({ community_id: c.id }));
        }
        const patch: Partial<CcsMember> = {
          ...(body.name !== undefined ? { name: body.name } : {}), ...(body.country !== undefined ? { country: body.country } : {}),
          ...(body.system !== undefined ? { system: body.system } : {}), ...(body.xid !== undefined ? { xid: body.xid } : {}),
          ...(body.dataUrl !== undefined ? { dataUrl: body.dataUrl } : {}), ...(body.requestFormat !== undefined ? { requestFormat: body.requestFormat as 'post' | 'get' } : {}),
          ...(body.ips !== undefined ? { allowedIps: body.ips } : {}), ...(body.active !== undefined ? { active: body.active } : {}),
        };
        const updated = await registry.patch(c.id, patch);
        await deps.db.hub((trx) => audit(trx, { actor, action: 'clearing-central.server.edit', subject: `exchange:${c.code}`, before: { active: m.active, dataUrl: m.dataUrl, ips: m.allowedIps }, after: body }));
        return { status: 200, body: await view(updated) };
      },
    }),
    operation({
      id: 'ccsResetPassword', method: 'post', path: '/clearing-central/server/exchanges/{code}/password', tag: 'clearing-central',
      summary: 'Give a registered exchange a new password, shown only in this answer; the old one stops working at once',
      responses: { 200: { description: 'the exchange with its new password', schema: S.Member } },
      errors: [400, 401, 404, 503],
      async handle({ params, actor }) {
        const { c, m } = await requireMember(params.code);
        if (!isServed(m)) throw new HttpError(400, 'invalid_request', `${c.code} is a listed community of this hub: it has no password here`, 'code');
        const password = newPassword();
        const updated = await registry.patch(c.id, { passwordHash: await hashPassword(password) });
        await deps.db.hub((trx) => audit(trx, { actor, action: 'clearing-central.server.reset-password', subject: `exchange:${c.code}` }));
        return { status: 200, body: await view(updated, { password }) };
      },
    }),
    operation({
      id: 'ccsGetTotals', method: 'get', path: '/clearing-central/server/exchanges/{code}/totals', tag: 'clearing-central',
      summary: 'An exchange\'s totals as the original Clearing Central keeps them (exports, imports, income, expenditure, balance, in its currency and in hours), next to its balance on the ledger',
      access: { right: 'read', community: { param: 'code' } },
      responses: { 200: { description: 'the totals', schema: S.Totals } },
      errors: [401, 403, 404, 503],
      async handle({ params }) {
        const { c, m } = await requireMember(params.code);
        const { sold, bought } = await deps.txs.ofCommunity(c.id);
        const stood = (t: { amount: bigint }) => t.amount > 0n;
        const income = sold.filter(stood).reduce((s, t) => s + t.amount, 0n);
        const expenditure = bought.filter(stood).reduce((s, t) => s + t.buyerAmount, 0n);
        const hours = (x: bigint) => formatAmount(localToHour(x, c));
        const ie = isServed(m) ? await exchanges.importExport(c.id) : null;
        const ledger = ie ? await deps.accounts.balance(ie.community, ie.account) : income - expenditure;
        return {
          status: 200,
          body: {
            code: c.code, nid: m.nid, exports: sold.filter(stood).length, imports: bought.filter(stood).length,
            income: formatAmount(income), expenditure: formatAmount(expenditure), balance: formatAmount(income - expenditure),
            incomeHours: hours(income), expenditureHours: hours(expenditure), balanceHours: hours(income - expenditure),
            ledger: { balance: formatAmount(ledger), balanceHours: hours(ledger) },
          },
        };
      },
    }),
  ];
}
