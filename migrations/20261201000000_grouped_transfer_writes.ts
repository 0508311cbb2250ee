import { Knex } from 'knex';
import { APP_ROLE } from '../src/db/rls';

/**
 * The grouped state changes of transfers (src/core/transfers/grouped-writes.ts) as one
 * function call per community, so that a whole group, with the record of the envelope
 * it is about to send, goes to the database in one round trip (src/db/one-trip.ts) and
 * stays all or nothing: when a row is not in a state it is expected in, the function
 * raises, and the trip's implicit transaction undoes every statement of the group.
 * SECURITY INVOKER (the default): it runs as the hub's role, under row level security.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    create function patch_transfers(patch jsonb, ids uuid[]) returns setof transfers
    language plpgsql as $$
    declare
      r transfers;
      n int := 0;
    begin
      for r in
        update transfers t set
          state = coalesce(v.state, t.state),
          ledger_hash = coalesce(v.ledger_hash, t.ledger_hash),
          send_max = coalesce(v.send_max, t.send_max),
          source_amount = coalesce(v.source_amount, t.source_amount),
          path = coalesce(v.path, t.path),
          updated_at = now()
        from jsonb_to_recordset(patch) as v(id uuid, state text, ledger_hash text, send_max bigint, source_amount bigint, path jsonb, from_states text[])
        where t.id = any(ids) and t.id = v.id and t.state = any(v.from_states)
        returning t.*
      loop
        n := n + 1;
        return next r;
      end loop;
      if n <> cardinality(ids) then
        raise exception 'stale transfers: % of % are no longer in the state they were expected in', cardinality(ids) - n, cardinality(ids);
      end if;
    end $$`);
  await knex.raw('revoke all on function patch_transfers(jsonb, uuid[]) from public');
  await knex.raw(`grant execute on function patch_transfers(jsonb, uuid[]) to ${APP_ROLE}`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop function patch_transfers(jsonb, uuid[])');
}
