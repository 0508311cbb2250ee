/**
 * Netting between communities: who takes part (each governing body opts in, off by
 * default, with an optional cap per run), where everyone stands (read from the ledger:
 * what each community's external trader holds of the others' HOUR), and the preview of
 * the largest clearing (engine.ts) — before anything is done, per community: gross
 * before and after, the credit-line room it frees, and who is left out and why.
 *
 * Only communities whose trader keys the hub holds can take part: in a clearing each
 * community's trader hands back HOUR it holds, so a peer's currency, whose keys live on
 * its own server, is left out (and the preview says so).
 */
import { Database, Trx } from '../../db/database';
import { fromHour, toHour } from '../amounts';
import { audit } from '../audit';
import { currencyOf } from '../communities/currency';
import { Community, PEER } from '../communities/model';
import { Ledger } from '../ledger';
import { Position, largestClearing } from './engine';

export interface NettingSettings {
  optedIn: boolean;
  /** Most cleared through the community per run, its units (stroops); null: no cap. */
  cap: bigint | null;
}

export type LeftOut = 'not_opted_in' | 'keys_elsewhere' | 'not_on_ledger';

export interface CommunityClearing {
  community: Community;
  /** HOUR stroops: what others owe it (its trader holds of their HOUR) … */
  claimsBefore: bigint;
  claimsAfter: bigint;
  /** … and what it owes them (they hold of its HOUR). */
  debtsBefore: bigint;
  debtsAfter: bigint;
  /** Room freed on the credit lines it grants, in its units. */
  roomFreed: bigint;
}

export interface NettingPreview {
  at: Date;
  communities: CommunityClearing[];
  /** Positions between two taking part, as read from the ledger, and what clears of each. */
  positions: Array<Position & { cleared: bigint }>;
  leftOut: Array<{ community: Community; reason: LeftOut }>;
  /** HOUR stroops: Σ positions between communities taking part, and Σ cleared. */
  gross: bigint;
  cleared: bigint;
}

export interface NettingService {
  settings(c: Community): Promise<NettingSettings>;
  setSettings(c: Community, s: NettingSettings, actor: string): Promise<NettingSettings>;
  preview(): Promise<NettingPreview>;
}

const OFF: NettingSettings = { optedIn: false, cap: null };

const fromRow = (row: { opted_in: boolean; cap: string | null } | undefined): NettingSettings =>
  row ? { optedIn: row.opted_in, cap: row.cap === null ? null : BigInt(row.cap) } : OFF;

const read = async (trx: Trx, communityId: string): Promise<NettingSettings> =>
  fromRow(await trx('netting_settings').where({ community_id: communityId }).first('opted_in', 'cap'));

export function createNettingService(deps: { db: Database; ledger: Ledger; communities: { list(): Promise<Community[]> } }): NettingService {
  const { db, ledger } = deps;
  // Read hub-wide (the migration says why): the preview reads every community's in one query.
  const settings = (c: Community) => db.hub((trx) => read(trx, c.id));

  return {
    settings,

    async setSettings(c, s, actor) {
      return db.community(c.id, async (trx) => {
        const before = await read(trx, c.id);
        await trx('netting_settings')
          .insert({ community_id: c.id, opted_in: s.optedIn, cap: s.cap === null ? null : s.cap.toString(), updated_at: trx.fn.now() })
          .onConflict('community_id').merge();
        await audit(trx, { actor, action: 'netting.settings', subject: `community:${c.code}`, before, after: s });
        return s;
      });
    },

    async preview() {
      const all = await deps.communities.list();
      const chosen = new Map((await db.hub((trx) => trx('netting_settings').select('community_id', 'opted_in', 'cap')))
        .map((r: { community_id: string; opted_in: boolean; cap: string | null }) => [r.community_id, fromRow(r)]));
      const leftOut: NettingPreview['leftOut'] = [];
      const taking: Array<{ c: Community; s: NettingSettings }> = [];
      for (const c of all) {
        if (c.kind === PEER) leftOut.push({ community: c, reason: 'keys_elsewhere' });
        else if (c.ledgerStatus !== 'ready' || !c.ledgerAccounts.externalTrader) leftOut.push({ community: c, reason: 'not_on_ledger' });
        else {
          const s = chosen.get(c.id) ?? OFF;
          if (s.optedIn) taking.push({ c, s });
          else leftOut.push({ community: c, reason: 'not_opted_in' });
        }
      }
      const byIssuer = new Map(taking.map(({ c }) => [c.ledgerAccounts.externalIssuer, c]));
      const positions: Position[] = [];
      for (const { c } of taking) {
        for (const line of await ledger.traderLines(currencyOf(c))) {
          const debtor = byIssuer.get(line.externalIssuer);
          if (debtor && line.balance > 0n) positions.push({ debtor: debtor.id, creditor: c.id, amount: line.balance });
        }
      }
      // Caps are in each community's units; the engine counts in HOUR.
      const caps = new Map(taking.filter(({ s }) => s.cap !== null)
        .map(({ c, s }) => [c.id, toHour(s.cap!, { n: c.rateN, d: c.rateD }, 'down')]));
      const result = largestClearing({ positions, caps });
      const cleared = positions.map((p) => ({ ...p, cleared: 0n }));
      for (const x of result.cleared) cleared[x.of].cleared = x.amount;

      const communities = taking.map(({ c }): CommunityClearing => {
        const sum = (f: (p: (typeof cleared)[number]) => boolean, v: (p: (typeof cleared)[number]) => bigint) =>
          cleared.filter(f).reduce((s, p) => s + v(p), 0n);
        const claims = (p: (typeof cleared)[number]) => p.creditor === c.id;
        const debts = (p: (typeof cleared)[number]) => p.debtor === c.id;
        const claimsBefore = sum(claims, (p) => p.amount);
        const debtsBefore = sum(debts, (p) => p.amount);
        const claimsCleared = sum(claims, (p) => p.cleared);
        return {
          community: c,
          claimsBefore,
          claimsAfter: claimsBefore - claimsCleared,
          debtsBefore,
          debtsAfter: debtsBefore - sum(debts, (p) => p.cleared),
          // Each line it grants carries what its trader holds of the peer's HOUR.
          roomFreed: fromHour(claimsCleared, { n: c.rateN, d: c.rateD }, 'down'),
        };
      });
      return {
        at: new Date(),
        communities,
        positions: cleared,
        leftOut,
        gross: positions.reduce((s, p) => s + p.amount, 0n),
        cleared: result.total,
      };
    },
  };
}

/** A share as a number with four decimals (cleared / gross), 0 when there is nothing. */
export const shareOf = (part: bigint, whole: bigint): number => (whole === 0n ? 0 : Number((part * 10000n) / whole) / 10000);

