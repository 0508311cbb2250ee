import { Knex } from 'knex';

/**
 * A rate change moves the ledger: every credit line the community grants is a trustline
 * in HOUR, and its trader's offers are priced at the rate. The change is committed with
 * this mark, and the mark is cleared once the ledger carries the new rate, so a crash in
 * between leaves work that the next start (or reconciliation) finishes.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('communities', (t) => {
    t.timestamp('ledger_resync_at', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('communities', (t) => { t.dropColumn('ledger_resync_at'); });
}
