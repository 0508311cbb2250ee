import { Knex } from 'knex';
import { grantApp, isolateByCommunity } from '../src/db/rls';

/**
 * Mirrored exchanges get one home in the core (src/core/exchanges), whichever protocol
 * reaches them: their limits in HOUR and their first trade move out of `cxp_exchanges`
 * into `mirror_exchanges`, and the declared-balance mismatches CXP recorded become
 * `mirror_balance_mismatches`, so Clearing Central's exchanges use the same rows.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('mirror_exchanges', (t) => {
    t.uuid('community_id').primary().references('communities.id');
    /** The exchange's limits in HOUR stroops (min = −credit_limit_hour), kept so a new rate re-applies them. */
    t.bigInteger('credit_limit_hour').notNullable();
    t.bigInteger('max_balance_hour').notNullable();
    t.timestamp('first_trade_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('alter table mirror_exchanges add constraint mirror_exchanges_limits check (credit_limit_hour >= 0 and max_balance_hour >= 0)');
  await grantApp(knex, 'mirror_exchanges', 'select, insert, update');
  await isolateByCommunity(knex, 'mirror_exchanges');
  await knex.raw(`
    insert into mirror_exchanges (community_id, credit_limit_hour, max_balance_hour, first_trade_at, created_at, updated_at)
    select community_id, -min_hour, max_hour, first_trade_at, created_at, updated_at from cxp_exchanges`);
  await knex.raw('alter table cxp_exchanges drop constraint cxp_exchanges_limits');
  await knex.schema.alterTable('cxp_exchanges', (t) => {
    t.dropColumn('min_hour');
    t.dropColumn('max_hour');
    t.dropColumn('first_trade_at');
  });

  await knex.raw('alter table cxp_balance_mismatches rename to mirror_balance_mismatches');
  await knex.raw('alter sequence cxp_balance_mismatches_id_seq rename to mirror_balance_mismatches_id_seq');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('alter sequence mirror_balance_mismatches_id_seq rename to cxp_balance_mismatches_id_seq');
  await knex.raw('alter table mirror_balance_mismatches rename to cxp_balance_mismatches');
  await knex.schema.alterTable('cxp_exchanges', (t) => {
    t.bigInteger('min_hour');
    t.bigInteger('max_hour');
    t.timestamp('first_trade_at', { useTz: true });
  });
  await knex.raw(`
    update cxp_exchanges x set min_hour = -m.credit_limit_hour, max_hour = m.max_balance_hour, first_trade_at = m.first_trade_at
      from mirror_exchanges m where m.community_id = x.community_id`);
  await knex.raw('alter table cxp_exchanges alter column min_hour set not null, alter column max_hour set not null');
  await knex.raw('alter table cxp_exchanges add constraint cxp_exchanges_limits check (min_hour <= 0 and max_hour >= 0)');
  await knex.schema.dropTable('mirror_exchanges');
}
