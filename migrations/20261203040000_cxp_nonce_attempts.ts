import { Knex } from 'knex';

/**
 * Each Hawk nonce remembers the request that wrote it. A transaction whose connection
 * was lost is run again (src/db/connection-loss.ts), and when the first run's COMMIT
 * had gone through, the nonce is already there: the same request finds its own attempt
 * and goes on, where a replay (another request with the same nonce) does not.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('cxp_nonces', (t) => { t.uuid('attempt'); });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('cxp_nonces', (t) => { t.dropColumn('attempt'); });
}
