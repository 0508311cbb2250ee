/**
 * The hub's database handle. With DATABASE_URL it is that server; without, an
 * embedded PostgreSQL in DATA_DIR. Either way the rest of the hub sees the same API:
 * work runs in one transaction, as APP_ROLE, scoped to a community or to the hub.
 * The raw owner connection is only for migrations and administrative commands.
 */
import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import { COMMUNITY_SETTING, scopeStatement } from './rls';
import { EmbeddedPostgres, runningEmbeddedPostgres, startEmbeddedPostgres } from './embedded';
import { Rows, Step, oneTrip } from './one-trip';
import { ScopedConfig, ScopedPgClient } from './scoped-client';
import { connectionLoss } from './connection-loss';
import { assertReachable } from './confine';
import { Unavailable, reasonOf } from '../unavailable';
import { Changes, createChanges } from './changes';

export type Trx = Knex.Transaction;

export interface Database {
  /** Owner connection: migrations and admin commands only, never request work. */
  readonly owner: Knex;
  /** Human-readable, secret-free description ("PostgreSQL at host:port/db"). */
  readonly describe: string;
  readonly embedded: boolean;
  /** Hub-wide work (registry, settings) as APP_ROLE with no community set. */
  hub<T>(fn: (trx: Trx) => Promise<T>): Promise<T>;
  /** Community work as APP_ROLE; RLS admits only this community's rows. */
  community<T>(communityId: string, fn: (trx: Trx) => Promise<T>): Promise<T>;
  /**
   * Statements known in advance, each as APP_ROLE for its community, in one round trip
   * and one transaction (see one-trip.ts); the rows of each.
   */
  trip(steps: Step[]): Promise<Rows[]>;
  migrate(): Promise<string[]>;
  /**
   * Routine upkeep. PGlite is single-user PostgreSQL and has no autovacuum: without
   * this, dead rows of every update pile up and statistics go stale. A server runs its
   * own autovacuum, so there it does nothing.
   */
  maintain(): Promise<void>;
  /**
   * One cheap statement on a connection of the pool, not retried, within `timeoutMs`:
   * throws an Unavailable saying in words what is wrong.
   */
  ping(timeoutMs?: number): Promise<void>;
  /** Connections lost so far, and the last work they left undone (readiness, metrics). */
  outages(): DatabaseOutages;
  /** What other hub processes on this database change, and telling them of ours (changes.ts). */
  readonly changes: Changes;
  close(): Promise<void>;
}

export interface DatabaseOutages {
  /** Transactions run again after their connection was lost. */
  retried: number;
  /** Transactions given up (answered as Unavailable) after their retries. */
  failed: number;
  lastFailure: { at: Date; reason: string } | null;
}

/**
 * Waits before each run again of a transaction whose connection was lost: 6 more runs
 * within about 3 s (each wait ±50 %). A pooled connection the server dropped fails its next statement and the
 * next run gets a fresh one, so one retry is usually enough; the later ones ride out a
 * server restarting or dropping connections in waves.
 */
const RETRY_DELAYS_MS = [10, 50, 200, 400, 800, 1200];
/** Longest wait for a pooled connection; beyond it the database is down or overloaded (answered 503). */
const ACQUIRE_TIMEOUT_MS = 10_000;
/** Readiness asks the database within this. */
const PING_TIMEOUT_MS = 2000;


/**
 * The migrations: migrations/*.ts under tsx, or their compiled copies when this file is
 * part of the build (dist/cli.js beside dist/migrations/*.js, see scripts/build.ts).
 * Either way each is named after its source file, as knex_migrations has always
 * recorded it (`20261121000000_foundation.ts`): a database migrated by one is up to
 * date for the other.
 */
const COMPILED = path.extname(__filename) === '.js';
export const MIGRATIONS_DIR = COMPILED ? path.join(__dirname, 'migrations') : path.resolve(__dirname, '../../migrations');
const migrationSource: Knex.MigrationSource<string> = {
  // Sorted by name, as knex's own directory source does.
  getMigrations: async () => (await fs.promises.readdir(MIGRATIONS_DIR)).filter((f) => f.endsWith(COMPILED ? '.js' : '.ts')).sort(),
  getMigrationName: (file) => `${path.basename(file, path.extname(file))}.ts`,
  getMigration: async (file) => require(path.join(MIGRATIONS_DIR, file)) as Knex.Migration,
};

/** Switch the community of an open APP_ROLE transaction (registry work that creates a tenant). */
export async function enterCommunity(trx: Trx, communityId: string): Promise<void> {
  assertReachable(communityId);
  await trx.raw('select set_config(?, ?, true)', [COMMUNITY_SETTING, communityId]);
}

export function knexConfig(connection: Knex.Config['connection']): Knex.Config {
  return {
    client: ScopedPgClient as unknown as Knex.Config['client'],
    connection,
    pool: { min: 0, max: 10 },
    acquireConnectionTimeout: ACQUIRE_TIMEOUT_MS,
    // knex warns on the console of every pooled connection it finds dropped and every
    // connection it could not open; those are retried and counted here (outages()) and
    // reach the logs as the request's 503. Any other warning goes where knex sends it.
    log: { warn: (m: unknown) => { if (!/^(Connection Error|Acquire connection error)/.test(String(m))) console.warn(m); } },
    migrations: { migrationSource, tableName: 'knex_migrations' },
  };
}

/** The driver's words, less the statement knex puts in front of them ("COMMIT; - Connection terminated"). */
const reasonText = (err: unknown): string => reasonOf(err).replace(/^[\s\S]* - /, '');

function describeUrl(url: string): string {
  const u = new URL(url);
  return `PostgreSQL at ${u.hostname}:${u.port || 5432}${u.pathname}`;
}

/**
 * `attach`: connect to the embedded database of a hub already running on this
 * DATA_DIR (admin commands beside a running hub) instead of starting one.
 */
export async function openDatabase(opts: {
  databaseUrl: string | null; dataDir: string; attach?: boolean;
  /** The change bus lost its connection, or a subscriber failed (logged by the caller). */
  onChangeError?: (err: Error, what: string) => void;
}): Promise<Database> {
  let embedded: EmbeddedPostgres | null = null;
  let connection: Knex.Config['connection'];
  let describe: string;
  if (opts.databaseUrl) {
    connection = opts.databaseUrl;
    describe = describeUrl(opts.databaseUrl);
  } else if (opts.attach) {
    const running = runningEmbeddedPostgres(opts.dataDir);
    if (!running) throw new Error(`no running hub database found in ${opts.dataDir}`);
    connection = running;
    describe = `embedded PostgreSQL of the hub running on ${opts.dataDir}`;
  } else {
    embedded = await startEmbeddedPostgres(opts.dataDir);
    connection = embedded.connection;
    describe = embedded.describe;
  }
  const owner = knexFactory(knexConfig(connection));
  const outages: DatabaseOutages = { retried: 0, failed: 0, lastFailure: null };
  const changes = createChanges({ connection: opts.databaseUrl, publishWith: (sql, bindings) => owner.raw(sql, bindings as Knex.RawBinding[]), onError: opts.onChangeError });
  const unreachable = (err: unknown) => new Unavailable('database', `the database (${describe}) is unreachable: ${reasonText(err)}`, 5, { cause: err });

  /**
   * Run a whole transaction again when its connection was lost: whatever it did was
   * rolled back with the connection or, if the loss came while COMMIT was on its way,
   * committed; then the repeat meets its own writes, which the hub's writes of money
   * tolerate (keyed inserts, compare-and-set state changes: docs/transfers.md#outages).
   * So `work` must be a transaction and nothing else: no call to the network, no effect
   * outside the database (the rule embedded.ts states for PGlite too). What is still
   * lost after the retries is an Unavailable; one from a nested transaction is not
   * retried again.
   */
  const retrying = async <T>(work: () => Promise<T>): Promise<T> => {
    for (let attempt = 0; ; attempt++) {
      try {
        return await work();
      } catch (err) {
        const loss = err instanceof Unavailable ? null : connectionLoss(err);
        if (!loss) throw err;
        if (loss === 'exhausted' || attempt >= RETRY_DELAYS_MS.length) {
          outages.failed++;
          outages.lastFailure = { at: new Date(), reason: reasonText(err) };
          throw unreachable(err);
        }
        outages.retried++;
        await new Promise((r) => setTimeout(r, RETRY_DELAYS_MS[attempt] * (0.5 + Math.random())));
      }
    }
  };

  // set_config('role', …, true) is SET LOCAL ROLE: it ends with the transaction, so a
  // pooled connection never carries a tenant or a role into the next piece of work.
  // The scope travels with BEGIN (scoped-client.ts).
  const scoped = <T>(communityId: string, fn: (trx: Trx) => Promise<T>): Promise<T> => {
    const config: ScopedConfig = { scope: scopeStatement(communityId) };
    return retrying(() => owner.transaction(fn, config));
  };

  return {
    owner,
    describe,
    embedded: !opts.databaseUrl,
    hub: (fn) => scoped('', fn),
    community: (communityId, fn) => {
      if (communityId === '') throw new Error('not a community id: (empty)');
      // A rejection, not a throw: callers see it where they await, as any database failure.
      try {
        assertReachable(communityId);
      } catch (err) {
        return Promise.reject(err);
      }
      return scoped(communityId, fn);
    },
    trip: async (steps) => {
      for (const s of steps) if (s.communityId) assertReachable(s.communityId);
      return retrying(() => oneTrip(owner, steps));
    },
    async migrate() {
      const [, applied] = (await owner.migrate.latest()) as [number, string[]];
      return applied;
    },
    async maintain() {
      if (embedded) await owner.raw('vacuum analyze');
    },
    async ping(timeoutMs = PING_TIMEOUT_MS) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([owner.raw('select 1'), late]);
      } catch (err) {
        throw unreachable(err);
      } finally {
        clearTimeout(timer);
      }
    },
    outages: () => ({ ...outages }),
    changes,
    async close() {
      await changes.close();
      await owner.destroy();
      if (embedded) await embedded.stop();
    },
  };
}
