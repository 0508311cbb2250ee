/**
 * Mirrored exchanges, whichever protocol reaches them: the mirror community and its
 * import-export account (created together, sized so the ledger never binds before the
 * exchange's own limits do), its limits in HOUR (src/core/rates keeps them so across rate changes), the trade history
 * ("has it traded yet"), and declared-balance checks. CXP uses it; Clearing Central's
 * CES exchanges need exactly the same.
 */
import { Database, Trx } from '../../db/database';
import { isAccountError } from '../accounts/errors';
import { AccountService } from '../accounts/service';
import { Rate, formatAmount, hourToLocal, localToHour } from '../amounts';
import { CommunityError, isCommunityError } from '../communities/errors';
import { Community } from '../communities/model';
import { CommunityService, IMPORT_EXPORT_CODE } from '../communities/service';
import { Party } from '../transfers/service';
import { BalanceMismatch, MirrorExchange } from './model';

const HOUR = 10_000_000n;

/** A declared balance may differ from the hub's by rounding at the exchange: 0.0001 HOUR. */
const BALANCE_TOLERANCE = 1000n;

export interface CreateMirrorInput {
  code: string;
  name: string;
  /** A mirror kind a protocol declared (`cxp`, `ces`). */
  kind: string;
  rate: Rate;
  /** The exchange's limits in HOUR stroops: min = −creditLimitHour, max = maxBalanceHour. */
  creditLimitHour: bigint;
  maxBalanceHour: bigint;
  /** The protocol's own rows of the new exchange, written in the same transaction as the community. */
  alsoWrite?: (trx: Trx, c: Community) => Promise<void>;
}

export interface ExchangeService {
  /** The community, its mirror currency on the ledger, its import-export account and limits. */
  create(input: CreateMirrorInput, actor: string): Promise<Community | CommunityError>;
  get(communityId: string): Promise<MirrorExchange | null>;
  /** The exchange's community and the import-export account its members stand behind. */
  importExport(communityId: string): Promise<Party>;
  /** The limits as the ledger applies them now, in HOUR stroops (min ≤ 0 ≤ max). */
  limitsHour(p: Party): { min: bigint; max: bigint };
  /** The import-export account's balance in HOUR stroops (negative: the exchange owes). */
  balanceHour(p: Party): Promise<bigint>;
  /** Trades so far: settled transfers to or from the exchange, compensations not counted. */
  tradeCount(communityId: string): Promise<number>;
  /** Remember when the exchange first traded (the first call only). */
  noteTrade(communityId: string, trx?: Trx): Promise<void>;
  /**
   * Compare what the exchange declares its members hold in all (HOUR stroops, the
   * opposite sign of its import-export account) with the hub. A mismatch beyond rounding
   * is recorded for the governing body; the answer is the hub's balance either way.
   */
  checkDeclaredBalance(p: Party, declared: bigint, opts: { volume: bigint | null; integrity: boolean }): Promise<{ matches: boolean; hub: bigint }>;
  mismatches(communityId: string, limit?: number): Promise<BalanceMismatch[]>;
  mismatchCount(communityId: string): Promise<number>;
}

/** The mirror currency's settings, sized so the ledger never binds before the exchange's limits do. */
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

export function createExchangeService(deps: { db: Database; communities: CommunityService; accounts: AccountService }): ExchangeService {
  const { db, communities, accounts } = deps;

  const community = async (id: string): Promise<Community> => {
    const c = await communities.getById(id);
    if (isCommunityError(c)) throw new Error(`exchange community ${id} is gone`);
    return c;
  };

  const get = (communityId: string) => db.community(communityId, async (trx) => (await MirrorExchange.query(trx).findById(communityId)) ?? null);

  const service: ExchangeService = {
    async create(input, actor) {
      const { rate } = input;
      const creditLimit = hourToLocal(input.creditLimitHour, { rateN: rate.n, rateD: rate.d });
      const maxBalance = hourToLocal(input.maxBalanceHour, { rateN: rate.n, rateD: rate.d });
      return communities.create({
        code: input.code, name: input.name, kind: input.kind, rate,
        settings: mirrorSettings(creditLimit, maxBalance),
        importExport: { creditLimit: formatAmount(creditLimit), maxBalance: formatAmount(maxBalance) },
        async alsoWrite(trx, c) {
          await MirrorExchange.query(trx).insert({ communityId: c.id, creditLimitHour: input.creditLimitHour, maxBalanceHour: input.maxBalanceHour });
          await input.alsoWrite?.(trx, c);
        },
      }, actor);
    },

    get,

    async importExport(communityId) {
      const c = await community(communityId);
      const a = await accounts.get(c, IMPORT_EXPORT_CODE);
      if (isAccountError(a)) throw new Error(`exchange ${c.code} has no import-export account`);
      return { community: c, account: a };
    },

    limitsHour: (p) => ({ min: -localToHour(p.account.creditLimit, p.community), max: localToHour(p.account.maxBalance, p.community) }),

    balanceHour: async (p) => localToHour(await accounts.balance(p.community, p.account), p.community),

    tradeCount: (communityId) => db.community(communityId, async (trx) => {
      const [{ n }] = await trx('transfers').count({ n: '*' })
        .where((q) => q.where({ community_id: communityId }).orWhere({ payee_community_id: communityId }))
        .whereIn('state', ['settled', 'delivered', 'compensated'])
        .whereNot('idempotency_key', 'like', 'compensation|%');
      return Number(n);
    }),

    async noteTrade(communityId, trx) {
      const run = async (t: Trx) => {
        await MirrorExchange.query(t).patch({ firstTradeAt: new Date(), updatedAt: new Date() }).where({ community_id: communityId }).whereNull('first_trade_at');
      };
      if (trx) await run(trx);
      else await db.community(communityId, run);
    },

    async checkDeclaredBalance(p, declared, opts) {
      const hub = await service.balanceHour(p);
      const diff = declared + hub;
      const matches = diff <= BALANCE_TOLERANCE && diff >= -BALANCE_TOLERANCE;
      if (!matches) {
        await db.community(p.community.id, (trx) => trx('mirror_balance_mismatches').insert({
          community_id: p.community.id, declared: declared.toString(), hub: hub.toString(),
          volume: opts.volume === null ? null : opts.volume.toString(), integrity: opts.integrity,
        }));
      }
      return { matches, hub };
    },

    mismatches: (communityId, limit = 100) => db.community(communityId, async (trx) => {
      const rows = await trx('mirror_balance_mismatches').orderBy('id', 'desc').limit(limit);
      return rows.map((r: { declared: string; hub: string; volume: string | null; at: Date }) => ({
        declared: BigInt(r.declared), hub: BigInt(r.hub), volume: r.volume === null ? null : BigInt(r.volume), at: r.at,
      }));
    }),

    mismatchCount: (communityId) => db.community(communityId, async (trx) => Number((await trx('mirror_balance_mismatches').count({ n: '*' }))[0].n)),
  };
  return service;
}
