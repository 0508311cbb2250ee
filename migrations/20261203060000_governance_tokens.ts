import { Knex } from 'knex';
import { grantApp } from '../src/db/rls';

/**
 * Who may do what (docs/governance.md#roles):
 *
 * - governance tokens kept in the database, each for one actor with a role (operator,
 *   community, auditor) and the communities it governs or reads. Only an HMAC of each
 *   token is stored, under a key sealed in the vault: a copy of the database alone
 *   neither holds nor can test a token. The table is hub-wide data, readable only in
 *   the hub's scope: work running in a community's scope sees no token at all.
 * - the audit log records the role the actor acted in and the communities an entry is
 *   about, so a governing body reads the entries of its own communities only.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('governance_tokens', (t) => {
    /** The token's public prefix (not secret): how a presented token is found. */
    t.text('id').primary();
    t.text('actor').notNullable();
    t.text('role').notNullable();
    /** Community codes the token governs (community) or reads (auditor); empty = hub-wide. */
    t.specificType('communities', 'text[]').notNullable().defaultTo('{}');
    /** HMAC-SHA256 of the whole token under the vault's governance-token key. */
    t.binary('digest').notNullable();
    t.text('created_by').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    t.index(['actor']);
  });
  await knex.raw(`alter table governance_tokens add constraint governance_tokens_role check (role in ('operator', 'community', 'auditor'))`);
  await knex.raw(`alter table governance_tokens add constraint governance_tokens_scope check (role <> 'community' or cardinality(communities) > 0)`);
  await grantApp(knex, 'governance_tokens', 'select, insert, update');
  await knex.raw('alter table governance_tokens enable row level security');
  await knex.raw(`create policy hub_only on governance_tokens to intertrade_app
    using (current_community() is null) with check (current_community() is null)`);

  await knex.schema.alterTable('audit_log', (t) => {
    /** operator, community or auditor; null for the hub's own changes and entries from before roles. */
    t.text('role');
    /** Codes of the communities the entry is about (the subject's; both sides of a credit line). */
    t.specificType('communities', 'text[]').notNullable().defaultTo('{}');
  });
  // Entries from before this migration: their communities, from their subjects.
  await knex.raw(`update audit_log set communities = array(
      select distinct m[1] from regexp_matches(split_part(subject, ':', 2), '(?:^|→)([A-Z0-9]{4})(?=$|/|→)', 'g') as m)`);
  await knex.raw('create index audit_log_communities on audit_log using gin (communities)');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('drop index audit_log_communities');
  await knex.schema.alterTable('audit_log', (t) => {
    t.dropColumn('communities');
    t.dropColumn('role');
  });
  await knex.schema.dropTable('governance_tokens');
}
