/**
 * knex's PostgreSQL client, with one change: a transaction opened for a scope (a role and
 * a community) sends BEGIN and the set_config of that scope in one round trip, as one
 * simple-protocol query string, instead of two.
 *
 * Why: every request runs in a few short transactions, and each costs its round trips
 * (BEGIN, scope, statement, COMMIT). Round trips, not statements, are what the hub and
 * the database spend most on at a moderate rate (each is a wake-up on both sides), so
 * one fewer per transaction is a quarter of them. The values sent inline are constants
 * and a community id already checked to be a UUID, never caller text.
 */
import { Knex } from 'knex';
// knex ships its dialects as CommonJS classes without type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ClientPg = require('knex/lib/dialects/postgres') as new (config: Knex.Config) => object;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const TransactionPg = require('knex/lib/dialects/postgres/execution/pg-transaction') as new (client: unknown, container: unknown, config?: ScopedConfig, outerTx?: unknown) => {
  begin(conn: unknown): Promise<unknown>;
  query(conn: unknown, sql: string): Promise<unknown>;
};

/** A transaction's config (knex.transaction(fn, config)) with what to send after BEGIN. */
export interface ScopedConfig extends Knex.TransactionConfig {
  scope?: string;
}

class ScopedTransaction extends TransactionPg {
  private readonly scope: string | undefined;

  constructor(client: unknown, container: unknown, config?: ScopedConfig, outerTx?: unknown) {
    super(client, container, config, outerTx);
    // A nested transaction is a savepoint: the scope is its outer transaction's.
    this.scope = outerTx ? undefined : config?.scope;
  }

  override begin(conn: unknown): Promise<unknown> {
    if (!this.scope) return super.begin(conn);
    return this.query(conn, `BEGIN; ${this.scope}`);
  }
}

export class ScopedPgClient extends ClientPg {
  transaction(container: unknown, config?: ScopedConfig, outerTx?: unknown): unknown {
    return new ScopedTransaction(this, container, config, outerTx);
  }
}
