/**
 * Tenant isolation in the database itself. The hub works as APP_ROLE, which neither
 * owns the tables nor bypasses RLS; every community-scoped table gets one policy that
 * admits only rows of the community set for the current transaction. Migrations call
 * these helpers so no community table can be created without its policy.
 */
import { Knex } from 'knex';

export const APP_ROLE = 'intertrade_app';
/** The transaction-local setting carrying the current community id. */
export const COMMUNITY_SETTING = 'intertrade.community';

const COMMUNITY_ID = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$/i;

/**
 * The statement that puts the rest of a transaction in a tenant's scope: as APP_ROLE, with
 * `communityId` set ('' for hub-wide work; anything but a UUID is refused), both local
 * to the transaction. `role: false` when the role is already set (switching community).
 * Sent as text (with BEGIN, or in a one-trip query): the id is checked, never caller text.
 */
export function scopeStatement(communityId: string, opts: { role?: boolean } = {}): string {
  if (!COMMUNITY_ID.test(communityId)) throw new Error(`not a community id: ${communityId}`);
  const community = `set_config('${COMMUNITY_SETTING}', '${communityId}', true)`;
  return opts.role === false ? `select ${community}` : `select set_config('role', '${APP_ROLE}', true), ${community}`;
}

export async function createAppRole(knex: Knex): Promise<void> {
  await knex.raw(`
    do $$ begin
      create role ${APP_ROLE} nologin nobypassrls;
    exception when duplicate_object then null; end $$`);
  // A non-superuser owner must be a member to SET ROLE; superusers need nothing.
  await knex.raw(`
    do $$ begin
      if not (select rolsuper from pg_roles where rolname = current_user) then
        execute format('grant ${APP_ROLE} to %I', current_user);
      end if;
    exception when others then null; end $$`);
  await knex.raw(`grant usage on schema public to ${APP_ROLE}`);
  await knex.raw(`
    create or replace function current_community() returns uuid language sql stable as $$
      select nullif(current_setting('${COMMUNITY_SETTING}', true), '')::uuid
    $$`);
}

export async function grantApp(knex: Knex, table: string, privileges: string): Promise<void> {
  await knex.raw(`grant ${privileges} on ?? to ${APP_ROLE}`, [table]);
}

/** Enable RLS on a table with a `community_id` column, keyed on current_community(). */
/**
 * A table every community may read (a registry, public choices) but where each row is
 * written only in its own community's scope: no community can add or change another's.
 */
export async function readHubWideWriteOwn(knex: Knex, table: string): Promise<void> {
  await knex.raw('alter table ?? enable row level security', [table]);
  await knex.raw(`create policy registry_read on ?? for select to ${APP_ROLE} using (true)`, [table]);
  await knex.raw(`create policy own_insert on ?? for insert to ${APP_ROLE} with check (community_id = current_community())`, [table]);
  await knex.raw(`create policy own_update on ?? for update to ${APP_ROLE}
    using (community_id = current_community()) with check (community_id = current_community())`, [table]);
}

export async function isolateByCommunity(knex: Knex, table: string): Promise<void> {
  await knex.raw('alter table ?? enable row level security', [table]);
  await knex.raw(
    `create policy community_isolation on ?? to ${APP_ROLE}
       using (community_id = current_community())
       with check (community_id = current_community())`,
    [table],
  );
}
