import { Knex } from 'knex';

/**
 * Deliveries that belong to a transfer wait for it: written with the transfer, sent
 * once it is settled, and cancelled if it is rejected (nothing happened to tell).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table deliveries drop constraint deliveries_state');
  await knex.raw(`alter table deliveries add constraint deliveries_state check (state in ('pending', 'delivered', 'refused', 'cancelled'))`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(`update deliveries set state = 'refused' where state = 'cancelled'`);
  await knex.raw('alter table deliveries drop constraint deliveries_state');
  await knex.raw(`alter table deliveries add constraint deliveries_state check (state in ('pending', 'delivered', 'refused'))`);
}
