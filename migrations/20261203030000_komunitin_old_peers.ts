import { Knex } from 'knex';
import { grantApp, isolateByCommunity } from '../src/db/rls';

/**
 * Komunitin peers of both ages, and payments the hub refused after they were on the
 * ledger (docs/protocols/komunitin.md):
 *
 * - how each peer writes a transfer's `meta`: a plain string (servers from before June
 *   2025) or `{description}`, learned from what it sends and what it refuses, so the hub
 *   writes to it in its form from the first message after a restart;
 * - every payment notify the hub refused for a reason that is not the ledger's verdict
 *   (a document it cannot take, the ledger not showing the transaction yet), by its
 *   transaction hash: a Komunitin server never sends a notify twice, so the hub looks the
 *   transaction up on the ledger itself and records the payment if it pays one of its
 *   accounts from the peer account that signed the notify.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('komunitin_peers', (t) => {
    /** 'string' or 'object'; null until the peer shows it (then `{description}` is sent). */
    t.text('transfer_meta');
  });
  await knex.raw(`alter table komunitin_peers add constraint komunitin_peers_transfer_meta check (transfer_meta in ('string', 'object'))`);

  await knex.schema.createTable('komunitin_refused_notifies', (t) => {
    t.uuid('community_id').notNullable().references('communities.id');
    /** The ledger transaction the refused notify named (lowercase hex). */
    t.text('hash').notNullable();
    /** What the notify said that the ledger does not: ids, the payer's URL, the description; and who signed it. */
    t.jsonb('notify').notNullable();
    /** Why it was refused (the error answered). */
    t.text('reason').notNullable();
    /** pending (being looked up), recorded (from the ledger, or by a later notify), abandoned. */
    t.text('state').notNullable().defaultTo('pending');
    t.text('outcome');
    t.uuid('transfer_id');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['community_id', 'hash']);
  });
  await knex.raw(`alter table komunitin_refused_notifies add constraint komunitin_refused_notifies_state check (state in ('pending', 'recorded', 'abandoned'))`);
  await grantApp(knex, 'komunitin_refused_notifies', 'select, insert, update');
  await isolateByCommunity(knex, 'komunitin_refused_notifies');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('komunitin_refused_notifies');
  await knex.raw('alter table komunitin_peers drop constraint komunitin_peers_transfer_meta');
  await knex.schema.alterTable('komunitin_peers', (t) => { t.dropColumn('transfer_meta'); });
}
