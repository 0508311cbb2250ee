import { Knex } from 'knex';
import { grantApp, isolateByCommunity } from '../src/db/rls';

/**
 * Deliveries: telling the other side about a transfer (a CXP relay, a Komunitin
 * notify, a Clearing Central forward). Written in the same transaction as the state
 * change that calls for them, and retried until the other side acknowledges.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('deliveries', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('community_id').notNullable().references('communities.id');
    t.uuid('transfer_id');
    t.text('kind').notNullable();
    t.text('target').notNullable();
    t.jsonb('payload').notNullable();
    t.text('state').notNullable().defaultTo('pending');
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('last_error');
    t.jsonb('result');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`alter table deliveries add constraint deliveries_state check (state in ('pending', 'delivered', 'refused'))`);
  // One delivery of a kind per transfer: enqueueing twice (a retried request) is a no-op.
  await knex.raw('create unique index deliveries_one_per_transfer on deliveries (kind, transfer_id) where transfer_id is not null');
  await knex.raw(`create index deliveries_due on deliveries (community_id, next_attempt_at) where state = 'pending'`);
  await grantApp(knex, 'deliveries', 'select, insert, update');
  await isolateByCommunity(knex, 'deliveries');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('deliveries');
}
