/**
 * Rate changes. A community's rate is the value of its unit in HOUR, and the ledger holds
 * it in three places: the trustline limits of the credit lines the community grants (its
 * lines are in its own units, its trader's trustlines in HOUR), its trader's offers, and,
 * for a mirrored exchange, its import-export account's limits (kept the same in HOUR).
 * The change is committed with a `ledger_resync_at` mark in the same transaction; the
 * ledger is then brought in line and the mark cleared, so a crash in between leaves work
 * that resume() (at start, and before every reconciliation) finishes.
 */
import { Database } from '../../db/database';
import { Logger } from '../../logger';
import { isAccountError } from '../accounts/errors';
import { AccountService } from '../accounts/service';
import { Rate, formatAmount, hourToLocal, isValidRate, toHour } from '../amounts';
import { audit } from '../audit';
import { CommunityError, isCommunityError } from '../communities/errors';
import { currencyOf } from '../communities/currency';
import { Community, PEER } from '../communities/model';
import { CommunityService, IMPORT_EXPORT_CODE } from '../communities/service';
import { CreditLine } from '../credit-lines/model';
import { ExchangeService } from '../exchanges/service';
import { Keyring } from '../keys';
import { Ledger, isLedgerError } from '../ledger';
import { Rebalancer } from '../rebalancer';

export interface RateService {
  /**
   * A new rate for a community (by code, or the community itself), carried to the ledger
   * before the answer. Refused when a line the community grants would be worth nothing
   * in HOUR at the new rate, or less than it already carries.
   */
  change(community: string | Pick<Community, 'id'>, rate: Rate, actor: string): Promise<Community | CommunityError>;
  /** Codes of the communities whose last rate change the ledger does not carry yet. */
  due(): Promise<string[]>;
  /** Carry every due rate change to the ledger; returns the codes that still failed. */
  resume(): Promise<string[]>;
}

export function createRateService(deps: {
  db: Database; ledger: Ledger; keyring: Keyring; communities: CommunityService; accounts: AccountService;
  exchanges: ExchangeService; rebalancer: Rebalancer; logger: Logger;
}): RateService {
  const { db, ledger, keyring, communities, accounts, exchanges, rebalancer, logger } = deps;

  /** The credit lines the community grants, each with the community it trusts. */
  const grantedLines = async (c: Community): Promise<Array<{ line: CreditLine; peer: Community }>> => {
    const lines = await db.community(c.id, async (trx) => CreditLine.query(trx));
    const out: Array<{ line: CreditLine; peer: Community }> = [];
    for (const line of lines) {
      const peer = await communities.getById(line.peerId);
      if (!isCommunityError(peer)) out.push({ line, peer });
    }
    return out;
  };

  /** Bring the ledger in line with the community's rate as recorded now, then clear its mark. */
  const resync = async (c: Community, markedAt: Date | null, actor: string): Promise<void> => {
    if (c.kind !== PEER) {
      const currency = currencyOf(c);
      const keys = keyring.lookup(c.id);
      const ex = await exchanges.get(c.id);
      if (ex) {
        const creditLimit = hourToLocal(ex.creditLimitHour, c);
        const maxBalance = hourToLocal(ex.maxBalanceHour, c);
        const p = await exchanges.importExport(c.id);
        if (p.account.creditLimit !== creditLimit || p.account.maxBalance !== maxBalance) {
          const a = await accounts.setLimits(c, IMPORT_EXPORT_CODE, { creditLimit: formatAmount(creditLimit), maxBalance: formatAmount(maxBalance) }, actor);
          if (isAccountError(a)) throw new Error(`could not re-apply the import-export limits of ${c.code} at its new rate: ${a}`);
        }
      }
      for (const { line: l, peer } of await grantedLines(c)) {
        // A payment between the check in change() and here can leave the line carrying
        // more than its new limit: it is held at what it carries (reconciliation lowers
        // it as it clears) rather than leaving the rate change undone.
        const r = await ledger.setCreditLine(currency, currencyOf(peer), l.limit, keys, { holdOutstanding: true });
        if (isLedgerError(r)) throw new Error(`could not carry the credit line ${c.code} → ${peer.code} to the new rate: ${r}`);
      }
      await rebalancer.now(c);
    }
    // A newer change (marked later) keeps its mark: its own resync clears it.
    await db.hub(async (trx) => {
      const q = Community.query(trx).patch({ ledgerResyncAt: null }).where({ id: c.id });
      if (markedAt) q.where({ ledger_resync_at: markedAt });
      await q;
    });
  };

  const fresh = async (ref: string | Pick<Community, 'id'>) =>
    typeof ref === 'string' ? communities.getByCode(ref) : communities.getById(ref.id);

  return {
    async change(ref, rate, actor) {
      if (!isValidRate(rate)) return CommunityError.InvalidRate;
      const before = await fresh(ref);
      if (isCommunityError(before)) return before;
      const lines = (await grantedLines(before)).filter(({ line }) => line.limit > 0n);
      if (lines.some(({ line }) => toHour(line.limit, rate, 'down') === 0n)) return CommunityError.LineRoundsToNothing;
      // Lowering a line below what it carries is refused; so is a rate that would do it.
      if (before.kind !== PEER && lines.length > 0) {
        const held = await ledger.traderLines(currencyOf(before));
        for (const { line, peer } of lines) {
          const onLedger = held.find((x) => x.externalIssuer === currencyOf(peer).accounts.externalIssuer);
          if (onLedger && toHour(line.limit, rate, 'down') < onLedger.balance) return CommunityError.LineBelowOutstanding;
        }
      }
      const markedAt = new Date();
      const after = await db.hub(async (trx) => {
        await audit(trx, { actor, action: 'community.rate', subject: `community:${before.code}`, before: { n: before.rateN, d: before.rateD }, after: rate });
        return Community.query(trx).patchAndFetchById(before.id, { rateN: rate.n, rateD: rate.d, ledgerResyncAt: markedAt, updatedAt: new Date() });
      });
      await resync(after, markedAt, actor);
      return after;
    },

    async due() {
      const rows = await db.hub(async (trx) => Community.query(trx).whereNotNull('ledger_resync_at').orderBy('code'));
      return rows.map((c) => c.code);
    },

    async resume() {
      const rows = await db.hub(async (trx) => Community.query(trx).whereNotNull('ledger_resync_at').where({ ledger_status: 'ready' }));
      const failed: string[] = [];
      for (const c of rows) {
        try {
          await resync(c, c.ledgerResyncAt ?? null, 'system');
        } catch (err) {
          logger.error({ err, community: c.code }, 'carrying a rate change to the ledger failed; it stays due');
          failed.push(c.code);
        }
      }
      return failed;
    },
  };
}
