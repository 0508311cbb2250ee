import { Knex } from 'knex';
import { APP_ROLE, grantApp } from '../src/db/rls';

/**
 * Several hub processes on one database (src/core/processes.ts).
 *
 * - `hub_processes`: every running hub process, with a heartbeat. One whose heartbeat is
 *   older than LIVE_SECONDS is dead; what it owned may be taken over.
 * - `hub_leases`: names one process at a time holds — the channel accounts it sources
 *   transactions from (`channel:0`, `channel:maintenance`, …) and hub-wide jobs that must
 *   not run twice at once (`netting`). A lease is as alive as its owner.
 * - `transfers.owner`: the process driving an unfinished transfer. Only it may move the
 *   transfer on before it settles (patch_transfers below checks it, in the same statement),
 *   so a process taking over a dead one's transfer, or a repeat of the request reaching
 *   another process, can never build a second payment for it.
 * - `deliveries.owner`: the process attempting a delivery; others claim it (FOR UPDATE SKIP
 *   LOCKED) only when it has none or its owner is dead.
 *
 * Hub-wide tables: a process belongs to no community. Read in any scope (the liveness
 * checks run inside community-scoped statements), written only by the hub's own work.
 */
/** A heartbeat older than this is a dead process (src/core/processes.ts beats every 2 s). */
const LIVE_SECONDS = 10;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('hub_processes', (t) => {
    t.uuid('id').primary();
    t.text('host').notNullable();
    t.integer('pid').notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('heartbeat_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await grantApp(knex, 'hub_processes', 'select, insert, update, delete');

  await knex.schema.createTable('hub_leases', (t) => {
    t.text('name').primary();
    t.uuid('owner').nullable();
    t.timestamp('taken_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await grantApp(knex, 'hub_leases', 'select, insert, update');

  await knex.raw(`
    create function process_alive(p uuid) returns boolean
    language sql stable security definer set search_path = public as $$
      select exists (select 1 from hub_processes where id = p and heartbeat_at > now() - interval '${LIVE_SECONDS} seconds')
    $$`);
  await knex.raw('revoke all on function process_alive(uuid) from public');
  await knex.raw(`grant execute on function process_alive(uuid) to ${APP_ROLE}`);

  await knex.schema.alterTable('transfers', (t) => { t.uuid('owner').nullable(); });
  await knex.schema.alterTable('deliveries', (t) => { t.uuid('owner').nullable(); });

  // Communities with unfinished transfers no live process drives (hub-wide, like the
  // delivery look-up below: the caller then works in each community's own scope).
  await knex.raw(`
    create function communities_with_orphaned_transfers(me uuid) returns setof uuid
    language sql stable security definer set search_path = public as $$
      select distinct community_id from transfers
      where state in ('new', 'quoted', 'submitted') and owner is distinct from me
        and (owner is null or not process_alive(owner))
    $$`);
  await knex.raw('revoke all on function communities_with_orphaned_transfers(uuid) from public');
  await knex.raw(`grant execute on function communities_with_orphaned_transfers(uuid) to ${APP_ROLE}`);

  await knex.raw(`
    create function communities_with_due_deliveries(kinds text[], me uuid) returns setof uuid
    language sql stable security definer set search_path = public as $$
      select distinct community_id from deliveries
      where state = 'pending' and next_attempt_at <= now() and kind = any(kinds)
        and (owner is null or owner = me or not process_alive(owner))
    $$`);
  await knex.raw('revoke all on function communities_with_due_deliveries(text[], uuid) from public');
  await knex.raw(`grant execute on function communities_with_due_deliveries(text[], uuid) to ${APP_ROLE}`);

  // patch_transfers as before, and a row whose patch names an owner is written only while
  // that process still owns it: a process that lost a transfer (taken over while it
  // looked dead) cannot record a submission, and so never sends its envelope.
  await knex.raw('drop function patch_transfers(jsonb, uuid[])');
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
        from jsonb_to_recordset(patch) as v(id uuid, state text, ledger_hash text, send_max bigint, source_amount bigint, path jsonb, from_states text[], owner uuid)
        where t.id = any(ids) and t.id = v.id and t.state = any(v.from_states)
          and (v.owner is null or t.owner = v.owner)
        returning t.*
      loop
        n := n + 1;
        return next r;
      end loop;
      if n <> cardinality(ids) then
        raise exception 'stale transfers: % of % are no longer in the state they were expected in, or no longer this process''s', cardinality(ids) - n, cardinality(ids);
      end if;
    end $$`);
  await knex.raw('revoke all on function patch_transfers(jsonb, uuid[]) from public');
  await knex.raw(`grant execute on function patch_transfers(jsonb, uuid[]) to ${APP_ROLE}`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop function patch_transfers(jsonb, uuid[])');
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
  await knex.raw('drop function communities_with_due_deliveries(text[], uuid)');
  await knex.raw('drop function communities_with_orphaned_transfers(uuid)');
  await knex.schema.alterTable('deliveries', (t) => { t.dropColumn('owner'); });
  await knex.schema.alterTable('transfers', (t) => { t.dropColumn('owner'); });
  await knex.raw('drop function process_alive(uuid)');
  await knex.schema.dropTable('hub_leases');
  await knex.schema.dropTable('hub_processes');
}
