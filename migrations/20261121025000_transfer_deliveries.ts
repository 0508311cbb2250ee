import { Knex } from 'knex';
import { APP_ROLE } from '../src/db/rls';

/**
 * Deliveries that belong to a transfer wait for it: written with the transfer, sent
 * once it is settled, and cancelled if it is rejected (nothing happened to tell).
 *
 * The worker asks which communities have deliveries due in one indexed query, instead
 * of looking into every community each pass. RLS hides other communities' rows from
 * the hub's role, so the question is a SECURITY DEFINER function that answers ids only.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table deliveries drop constraint deliveries_state');
  await knex.raw(`alter table deliveries add constraint deliveries_state check (state in ('pending', 'delivered', 'refused', 'cancelled'))`);
  await knex.raw(`create index deliveries_due_at on deliveries (next_attempt_at) where state = 'pending'`);
  await knex.raw(`
    create function communities_with_due_deliveries(kinds text[]) returns setof uuid
    language sql stable security definer set search_path = public as $$
      select distinct community_id from deliveries
      where state = 'pending' and next_attempt_at <= now() and kind = any(kinds)
    $$`);
  await knex.raw(`revoke all on function communities_with_due_deliveries(text[]) from public`);
  await knex.raw(`grant execute on function communities_with_due_deliveries(text[]) to ${APP_ROLE}`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop function communities_with_due_deliveries(text[])');
  await knex.raw('drop index deliveries_due_at');
  await knex.raw(`update deliveries set state = 'refused' where state = 'cancelled'`);
  await knex.raw('alter table deliveries drop constraint deliveries_state');
  await knex.raw(`alter table deliveries add constraint deliveries_state check (state in ('pending', 'delivered', 'refused'))`);
}
