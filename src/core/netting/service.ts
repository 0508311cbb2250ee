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
import { randomUUID } from 'node:crypto';
import { Database, Trx } from '../../db/database';
import { fromHour, toHour } from '../amounts';
import { audit } from '../audit';
import { currencyOf } from '../communities/currency';
import { Community, PEER } from '../communities/model';
import { Keyring } from '../keys';
import { KeyLookup, Ledger } from '../ledger';
import { Rebalancer } from '../rebalancer';
import { HubProcess } from '../processes';
import { Position, cyclesOf, largestClearing } from './engine';

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

export interface NettingRun {
  id: string;
  actor: string;
  state: 'running' | 'done' | 'failed';
  /** HOUR stroops: gross positions between the communities taking part when it began, and what the ledger cleared. */
  gross: bigint;
  cleared: bigint;
  /** Transactions sent, as `group:hash`. */
  hashes: string[];
  error: string | null;
  startedAt: Date;
  finishedAt: Date | null;
}

export interface NettingService {
  settings(c: Community): Promise<NettingSettings>;
  setSettings(c: Community, s: NettingSettings, actor: string): Promise<NettingSettings>;
  preview(): Promise<NettingPreview>;
  /** Clear on the ledger what the preview shows now: cycles grouped into transactions, each wholly or not at all. */
  run(actor: string): Promise<NettingRun>;
  runs(limit?: number): Promise<NettingRun[]>;
  /** After a crash: a run left `running` is settled from what the ledger knows of its transactions. */
  resume(): Promise<void>;
}

const OFF: NettingSettings = { optedIn: false, cap: null };

const fromRow = (row: { opted_in: boolean; cap: string | null } | undefined): NettingSettings =>
  row ? { optedIn: row.opted_in, cap: row.cap === null ? null : BigInt(row.cap) } : OFF;

const read = async (trx: Trx, communityId: string): Promise<NettingSettings> =>
  fromRow(await trx('netting_settings').where({ community_id: communityId }).first('opted_in', 'cap'));

/** The hub-wide lease a netting run holds (core/processes.ts). */
const NETTING_LEASE = 'netting';

/** Legs per clearing transaction: at most 5 operations each (offer out, payment, offer back, and its creditor's sponsoring pair), under Stellar's 100. */
export const LEGS_PER_TRANSACTION = 19;

/** Plans per run: the first, and again from the ledger after a group the ledger refused. */
export const ATTEMPTS_PER_RUN = 3;

/** Transactions of a run as recorded (`netting_runs.plan`); `refused`: the ledger's code when it refused the group. */
interface PlanGroup { legs: Array<{ debtor: string; creditor: string; amount: string }>; refused?: string }

/** The preview's clearing as cycles, packed into transactions of at most LEGS_PER_TRANSACTION legs. */
function groupsOf(p: NettingPreview): PlanGroup[] {
  const groups: PlanGroup[] = [];
  for (const cycle of cyclesOf(p.positions.filter((x) => x.cleared > 0n).map((x) => ({ ...x, amount: x.cleared })))) {
    const last = groups.at(-1);
    if (!last || last.legs.length + cycle.length > LEGS_PER_TRANSACTION) groups.push({ legs: [] });
    groups.at(-1)!.legs.push(...cycle.map((l) => ({ debtor: l.debtor, creditor: l.creditor, amount: l.amount.toString() })));
  }
  return groups;
}

const runFromRow = (r: Record<string, any>): NettingRun => ({
  id: r.id, actor: r.actor, state: r.state, gross: BigInt(r.gross), cleared: BigInt(r.cleared), hashes: r.hashes ?? [],
  error: r.error ?? null, startedAt: new Date(r.started_at), finishedAt: r.finished_at ? new Date(r.finished_at) : null,
});

export function createNettingService(deps: {
  db: Database; ledger: Ledger; keyring: Keyring; rebalancer: Rebalancer; communities: { list(): Promise<Community[]> };
  /** Several hub processes: a run holds the hub-wide lease `netting`, so two never clear the same positions at once. */
  process?: HubProcess;
}): NettingService {
  const { db, ledger } = deps;
  /** One run at a time in this process: two would read the same positions and clear them twice over (the second would fail on the ledger). */
  let running: Promise<unknown> = Promise.resolve();
  // Read hub-wide (the migration says why): the preview reads every community's in one query.
  const settings = (c: Community) => db.hub((trx) => read(trx, c.id));

  const preview = async (): Promise<NettingPreview> => previewNow();

  /** Every trader key of the communities in a run, each from its own community's vault scope. */
  const keysOf = (cs: Community[]): KeyLookup => {
    const owner = new Map<string, string>();
    for (const c of cs) for (const pk of Object.values(c.ledgerAccounts as Record<string, string>)) owner.set(pk, c.id);
    return (pk) => {
      const id = owner.get(pk);
      if (!id) throw new Error(`no community of this run holds key ${pk}`);
      return deps.keyring.lookup(id)(pk);
    };
  };

  const finish = (id: string, state: 'done' | 'failed', cleared: bigint, error: string | null) =>
    db.hub(async (trx) => {
      await trx('netting_runs').where({ id }).update({ state, cleared: cleared.toString(), error, finished_at: trx.fn.now() });
      const row = await trx('netting_runs').where({ id }).first();
      await audit(trx, { actor: row.actor, action: 'netting.run', subject: `netting-run:${id}`, after: { state, cleared, gross: BigInt(row.gross), error } });
      return runFromRow(row);
    });

  /** The hub-wide netting lease (another process's run ends within seconds: wait that long). */
  const leased = async <T>(waitMs: number, fn: () => Promise<T>): Promise<T | null> => {
    const p = deps.process;
    if (!p) return fn();
    const until = Date.now() + waitMs;
    while (!(await p.lease(NETTING_LEASE))) {
      if (Date.now() >= until) return null;
      await new Promise((r) => setTimeout(r, 250));
    }
    try {
      return await fn();
    } finally {
      await p.release(NETTING_LEASE);
    }
  };

  async function runNow(actor: string): Promise<NettingRun> {
    const run = await leased(30_000, async () => {
      // Rebalances pending now go first; then none runs for the communities taking part until
      // the run ends (rebalancer.ts, hold): the clearing deletes their offers by id.
      await deps.rebalancer.flush();
      const taking = (await preview()).communities.map((x) => x.community.id);
      return deps.rebalancer.hold(taking, () => clear(actor));
    });
    if (run) return run;
    const id = randomUUID();
    await db.hub((trx) => trx('netting_runs').insert({ id, actor, plan: '[]', gross: '0' }));
    return finish(id, 'failed', 0n, 'another hub process has been running netting for 30 s; nothing was done, run again later');
  }

  /**
   * A run: plan the largest clearing from the ledger, settle it group by group (each
   * wholly or not at all), and when a payment moved a position under a group so that the
   * ledger refused it, read the ledger again and plan what is left — at most
   * ATTEMPTS_PER_RUN times, the caps counting what the run has cleared already.
   */
  async function clear(actor: string): Promise<NettingRun> {
    const id = randomUUID();
    const plan: PlanGroup[] = [];
    const writePlan = () => db.hub((trx) => trx('netting_runs').where({ id }).update({ plan: JSON.stringify(plan) }));
    /** HOUR stroops cleared through each community so far in this run (its cap counts them). */
    const through = new Map<string, bigint>();
    const touched = new Map<string, Community>();
    let cleared = 0n;
    let refusal = '';
    const end = (state: 'done' | 'failed', error: string | null) => {
      for (const c of touched.values()) deps.rebalancer.schedule(c, ['paid', 'received']);
      return finish(id, state, cleared, error);
    };
    for (let attempt = 1; attempt <= ATTEMPTS_PER_RUN; attempt++) {
      const p = await previewNow(through);
      if (attempt === 1) await db.hub((trx) => trx('netting_runs').insert({ id, actor, plan: '[]', gross: p.gross.toString() }));
      const byId = new Map(p.communities.map((x) => [x.community.id, x.community]));
      const groups = groupsOf(p);
      if (groups.length === 0) return end('done', null);
      const offset = plan.length;
      plan.push(...groups);
      await writePlan(); // before any of its hashes: resume() reads groups by index
      const keys = keysOf([...byId.values()]);
      refusal = '';
      for (const [i, group] of groups.entries()) {
        const g = offset + i;
        // The same pair twice in a group (two cycles through it) is one payment.
        const merged = new Map<string, { debtor: Community; creditor: Community; amount: bigint }>();
        for (const l of group.legs) {
          const k = `${l.debtor}>${l.creditor}`;
          const m = merged.get(k) ?? { debtor: byId.get(l.debtor)!, creditor: byId.get(l.creditor)!, amount: 0n };
          m.amount += BigInt(l.amount);
          merged.set(k, m);
        }
        const legs = [...merged.values()].map((l) => ({ debtor: currencyOf(l.debtor), creditor: currencyOf(l.creditor), amount: l.amount }));
        let outcome;
        try {
          outcome = await ledger.settleClearing(legs, keys, async ({ hash }) => {
            await db.hub((trx) => trx.raw('update netting_runs set hashes = array_append(hashes, ?) where id = ?', [`${g}:${hash}`, id]));
          });
        } catch (err) {
          outcome = { ok: false as const, code: (err as Error).message };
        }
        if (!outcome.ok) {
          group.refused = outcome.code;
          await writePlan();
          refusal = `transaction ${g + 1} refused (${outcome.code})`;
          break;
        }
        for (const l of merged.values()) {
          cleared += l.amount;
          through.set(l.creditor.id, (through.get(l.creditor.id) ?? 0n) + l.amount);
          touched.set(l.debtor.id, l.debtor).set(l.creditor.id, l.creditor);
        }
      }
      if (!refusal) return end('done', null);
    }
    return end('failed', `${refusal} on the last of ${ATTEMPTS_PER_RUN} attempts, each planned from the ledger anew; payments keep moving these positions, the next run reads them again`);
  }

  return {
    settings,
    preview,

    run(actor) {
      const r = running.then(() => runNow(actor));
      running = r.catch(() => undefined);
      return r;
    },

    async runs(limit = 50) {
      return (await db.hub((trx) => trx('netting_runs').orderBy('started_at', 'desc').limit(Math.min(limit, 500)))).map(runFromRow);
    },

    async resume() {
      // A run of a live process is that process's to finish: holding the lease (and after
      // this process's own run, if one is going), none is.
      const r = running.then(() => leased(0, () => resumeRuns()));
      running = r.catch(() => undefined);
      await r;
    },

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
  };

  async function resumeRuns(): Promise<void> {
    {
      const open = await db.hub((trx) => trx('netting_runs').where({ state: 'running' }));
      for (const row of open) {
        const plan = row.plan as PlanGroup[];
        let cleared = 0n;
        let applied = 0;
        const meant = plan.filter((group) => !group.refused).length;
        for (const [g, group] of plan.entries()) {
          if (group.refused) continue;
          const hashes = (row.hashes as string[]).filter((h) => h.startsWith(`${g}:`)).map((h) => h.slice(h.indexOf(':') + 1));
          let ok = false;
          for (const h of hashes) if ((await ledger.findTransaction(h))?.successful) ok = true;
          if (ok) {
            applied++;
            cleared += group.legs.reduce((s, l) => s + BigInt(l.amount), 0n);
          }
        }
        // The process that applied them died before rebalancing: the offers of every
        // community in the plan are stale (rebalances live in memory), so they are redone.
        const ids = new Set(plan.flatMap((group) => group.legs.flatMap((l) => [l.debtor, l.creditor])));
        for (const c of await deps.communities.list()) if (ids.has(c.id)) deps.rebalancer.schedule(c, ['paid', 'received']);
        // Unknown and still valid envelopes expire within their time bounds; a run is never resent: the next one reads the ledger anew.
        await finish(row.id, applied === meant ? 'done' : 'failed', cleared, applied === meant ? null : `interrupted: ${applied} of ${meant} transactions applied`);
      }
    }
  }


  /** `through`: what a run has cleared through each community already (HOUR stroops), counted against its cap. */
  async function previewNow(through: ReadonlyMap<string, bigint> = new Map()): Promise<NettingPreview> {
    {
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
        .map(({ c, s }) => [c.id, toHour(s.cap!, { n: c.rateN, d: c.rateD }, 'down') - (through.get(c.id) ?? 0n)]));
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
    }
  }
}

/** A share as a number with four decimals (cleared / gross), 0 when there is nothing. */
export const shareOf = (part: bigint, whole: bigint): number => (whole === 0n ? 0 : Number((part * 10000n) / whole) / 10000);

