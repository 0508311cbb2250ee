/**
 * Reconciliation: the database is the hub's mirror of the ledger, and the ledger is the
 * truth. This job compares the two, reports every drift, and repairs what is safe to
 * repair: trader offers, account and credit-line limits the governing body set, accounts
 * a crash left unmade, transfers left unfinished. What is not safe (a settled transfer
 * the ledger does not know, a line the hub never granted) is reported for a person.
 */
import { Database } from '../db/database';
import { Logger } from '../logger';
import { toHour } from './amounts';
import { Keyring } from './keys';
import { Ledger } from './ledger';
import { Rebalancer } from './rebalancer';
import { RateService } from './rates/service';
import { Account } from './accounts/model';
import { AccountService } from './accounts/service';
import { Community } from './communities/model';
import { currencyOf } from './communities/currency';
import { CreditLine } from './credit-lines/model';
import { Transfer } from './transfers/model';
import { TransferService } from './transfers/service';

export type DriftKind =
  | 'account_missing' | 'account_limit' | 'account_unauthorized'
  | 'credit_line_limit' | 'credit_line_unknown' | 'trader_offers'
  | 'transfer_unfinished' | 'transfer_not_on_ledger' | 'rate_change_due';

export interface Drift {
  kind: DriftKind;
  community: string;
  subject: string;
  detail: string;
  repaired: boolean;
}

export interface Reconciler {
  run(opts?: { repair?: boolean }): Promise<Drift[]>;
}

/** Settled transfers younger than this are not checked against the ledger (it may lag). */
const SETTLED_CHECK_WINDOW = 500;

export function createReconciler(deps: {
  db: Database; ledger: Ledger; keyring: Keyring; accounts: AccountService; transfers: TransferService; rebalancer: Rebalancer; rates: RateService; logger: Logger;
}): Reconciler {
  const { db, ledger, keyring, logger } = deps;

  const checkCommunity = async (c: Community, all: Community[], repair: boolean, out: Drift[]): Promise<void> => {
    const currency = currencyOf(c);
    const keys = keyring.lookup(c.id);
    const drift = (kind: DriftKind, subject: string, detail: string, repaired = false) =>
      out.push({ kind, community: c.code, subject, detail, repaired });

    // Trader offers in line with balances, limits and the rate (checked before any
    // repair below, which would rebalance as a side effect).
    const offerOps = await ledger.offerDrift(currency);

    // Accounts: exist, authorized, with the limits the governing body set.
    const accounts = await db.community(c.id, async (trx) => Account.query(trx).where({ ledger_status: 'ready' }));
    for (const a of accounts) {
      const onLedger = await ledger.inspectAccount(currency, a.publicKey);
      if (!onLedger) {
        if (repair) {
          await db.community(c.id, async (trx) => { await Account.query(trx).patch({ ledgerStatus: 'provisioning' }).where({ id: a.id }); });
          await deps.accounts.resumeProvisioning(c);
        }
        drift('account_missing', a.code, 'the account does not exist on the ledger', repair);
        continue;
      }
      if (!onLedger.authorized) drift('account_unauthorized', a.code, 'the issuer has not authorized its trustline');
      const want = a.creditLimit + a.maxBalance;
      if (onLedger.limit !== want) {
        let fixed = false;
        if (repair) {
          const r = await ledger.setAccountLimits(currency, a, { creditLimit: a.creditLimit }, keys);
          fixed = r === undefined;
        }
        drift('account_limit', a.code, `trustline limit ${onLedger.limit} on the ledger, ${want} in the hub`, fixed);
      }
    }

    // Credit lines: the trader trusts exactly the peers the hub granted, at their limits.
    const lines = await db.community(c.id, async (trx) => CreditLine.query(trx));
    const ledgerLines = await ledger.traderLines(currency);
    for (const l of lines) {
      const peer = all.find((p) => p.id === l.peerId);
      if (!peer) continue;
      const onLedger = ledgerLines.find((x) => x.externalIssuer === currencyOf(peer).accounts.externalIssuer);
      const want = toHour(l.limit, currency.rate, 'down');
      if (want === 0n && l.limit > 0n && !onLedger) {
        // Recorded before such lines were refused: nothing on the ledger can hold it.
        drift('credit_line_limit', peer.code, `the line of ${l.limit} stroops is worth 0 HOUR at the community's rate, so the ledger cannot hold it: set it to 0 or to a larger limit`);
        continue;
      }
      // A line a rate change left worth less than it carries is held at what it carries.
      const held = onLedger !== undefined && onLedger.limit > want && onLedger.limit === onLedger.balance;
      if (!onLedger || (onLedger.limit !== want && !held)) {
        let fixed = false;
        if (repair) fixed = (await ledger.setCreditLine(currency, currencyOf(peer), l.limit, keys, { holdOutstanding: true })) === undefined;
        drift('credit_line_limit', peer.code, `limit ${onLedger?.limit ?? 'none'} HOUR on the ledger, ${want} in the hub`, fixed);
      }
    }
    for (const x of ledgerLines) {
      const peer = all.find((p) => (p.ledgerAccounts as { externalIssuer?: string }).externalIssuer === x.externalIssuer);
      if (!peer || !lines.some((l) => l.peerId === peer.id)) {
        drift('credit_line_unknown', peer?.code ?? x.externalIssuer, `the trader trusts this HOUR (limit ${x.limit}) without a credit line in the hub`);
      }
    }

    if (offerOps > 0) {
      if (repair) await ledger.rebalance(currency, keys);
      drift('trader_offers', c.code, `the trader's offers are out of line (${offerOps} operation(s) to fix)`, repair);
    }

    // Transfers: settled ones are on the ledger; unfinished ones get finished.
    const recent = await db.community(c.id, async (trx) => Transfer.query(trx)
      .where({ community_id: c.id, state: 'settled' }).whereNotNull('ledger_hash')
      .orderBy('created_at', 'desc').limit(SETTLED_CHECK_WINDOW));
    for (const t of recent) {
      if (!(await ledger.findTransaction(t.ledgerHash!))) {
        drift('transfer_not_on_ledger', t.id, `settled with ${t.ledgerHash}, which the ledger does not know`);
      }
    }
    const open = await db.community(c.id, async (trx) => Transfer.query(trx)
      .where({ community_id: c.id }).whereIn('state', ['new', 'quoted', 'submitted']).count('* as n').first() as unknown as Promise<{ n: string }>);
    if (Number(open?.n ?? 0) > 0) drift('transfer_unfinished', c.code, `${open.n} unfinished transfer(s)`, repair);
  };

  return {
    async run(opts = {}) {
      const repair = opts.repair ?? false;
      // A rate change a crash left half-done: finished when repairing, reported otherwise.
      const due = repair ? [] : await deps.rates.due();
      if (repair) due.push(...await deps.rates.resume());
      // A rebalance still due after recent settlements is not drift: let it run first.
      await deps.rebalancer.flush();
      // Peers are checked by their own servers, but lines to them are ours to check.
      const all = await db.hub(async (trx) => Community.query(trx).where({ ledger_status: 'ready' }));
      const out: Drift[] = due.map((code) => ({
        kind: 'rate_change_due' as const, community: code, subject: code, repaired: false,
        detail: 'the last rate change is not on the ledger yet (a crash or an outage came between); the next start or a repairing reconciliation finishes it',
      }));
      for (const c of all.filter((x) => x.kind !== 'peer')) {
        try {
          await checkCommunity(c, all, repair, out);
        } catch (err) {
          logger.error({ err, community: c.code }, 'reconciliation of a community failed');
        }
      }
      if (repair && out.some((d) => d.kind === 'transfer_unfinished')) await deps.transfers.resume();
      if (out.length > 0) logger.warn({ drift: out.length, repaired: out.filter((d) => d.repaired).length }, 'ledger drift found');
      return out;
    },
  };
}
