import { Knex } from 'knex';

/**
 * Komunitin peers of both ages (docs/protocols/komunitin.md): how each peer writes a
 * transfer's `meta`, a plain string (servers from before June 2025) or `{description}`,
 * learned from what it sends and what it refuses, so the hub writes to it in its form
 * from the first message after a restart.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('komunitin_peers', (t) => {
    /** 'string' or 'object'; null until the peer shows it (then `{description}` is sent). */
    t.text('transfer_meta');
  });
  await knex.raw(`alter table komunitin_peers add constraint komunitin_peers_transfer_meta check (transfer_meta in ('string', 'object'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter table komunitin_peers drop constraint komunitin_peers_transfer_meta');
  await knex.schema.alterTable('komunitin_peers', (t) => { t.dropColumn('transfer_meta'); });
}
