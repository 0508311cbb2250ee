import { Knex } from 'knex';
import { grantApp, readHubWideWriteOwn } from '../src/db/rls';

/**
 * Netting (src/core/netting): whether a community takes part, decided by its governing
 * body (off by default: a community that never said yes is never cleared), and the most
 * it lets one run clear, in its own units. Read hub-wide — the preview weighs every
 * community's choice, whoever asks, and a choice to take part is no secret — but written
 * only in the community's own scope (row level security on writes), as cc_exchanges.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('netting_settings', (t) => {
    t.uuid('community_id').primary().references('communities.id');
    t.boolean('opted_in').notNullable().defaultTo(false);
    /** Most cleared through the community per run, its units (stroops); null: no cap. */
    t.bigInteger('cap').nullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('alter table netting_settings add constraint netting_cap_positive check (cap is null or cap >= 0)');
  await grantApp(knex, 'netting_settings', 'select, insert, update');
  await readHubWideWriteOwn(knex, 'netting_settings');

  // A run: what it planned (cycles of legs, by community code, HOUR stroops), each
  // transaction's hash written before it is sent, and what applied. Hub-wide: a run
  // spans communities and belongs to none.
  await knex.schema.createTable('netting_runs', (t) => {
    t.uuid('id').primary();
    t.text('actor').notNullable();
    /** running → done (every transaction answered) | failed (stopped at a refused one; the rest not sent). */
    t.text('state').notNullable().defaultTo('running');
    t.jsonb('plan').notNullable();
    t.specificType('hashes', 'text[]').notNullable().defaultTo('{}');
    /** HOUR stroops cleared on the ledger, Σ over the transactions that applied. */
    t.bigInteger('cleared').notNullable().defaultTo(0);
    t.bigInteger('gross').notNullable();
    t.text('error');
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
  });
  await knex.raw("alter table netting_runs add constraint netting_run_state check (state in ('running', 'done', 'failed'))");
  await grantApp(knex, 'netting_runs', 'select, insert, update');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('netting_runs');
  await knex.schema.dropTable('netting_settings');
}
