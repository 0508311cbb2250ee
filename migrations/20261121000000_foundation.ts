import { Knex } from 'knex';
import { createAppRole, grantApp, isolateByCommunity } from '../src/db/rls';

export async function up(knex: Knex): Promise<void> {
  await createAppRole(knex);

  // Hub-wide settings (e.g. the master key fingerprint); not community data.
  await knex.schema.createTable('hub_settings', (t) => {
    t.text('key').primary();
    t.jsonb('value').notNullable();
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await grantApp(knex, 'hub_settings', 'select, insert, update, delete');

  // The registry of communities is hub-wide: every tenant must be able to resolve
  // another community to trade with it. Their data lives in isolated tables.
  await knex.schema.createTable('communities', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.text('code').notNullable().unique();
    t.text('name').notNullable();
    t.text('kind').notNullable();
    t.text('status').notNullable().defaultTo('active');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`alter table communities add constraint communities_code_format check (code ~ '^[A-Z0-9]{4}$')`);
  await knex.raw(`alter table communities add constraint communities_kind check (kind in ('hosted', 'cxp', 'ces', 'peer'))`);
  await knex.raw(`alter table communities add constraint communities_status check (status in ('active', 'blocked'))`);
  await grantApp(knex, 'communities', 'select, insert, update');

  // One data key per community and version, wrapped by the master key.
  await knex.schema.createTable('community_keys', (t) => {
    t.uuid('community_id').notNullable().references('communities.id').onDelete('CASCADE');
    t.integer('version').notNullable();
    t.binary('wrapped').notNullable();
    t.text('master_key_id').notNullable();
    t.text('status').notNullable().defaultTo('current');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['community_id', 'version']);
  });
  await knex.raw(`alter table community_keys add constraint community_keys_status check (status in ('current', 'retiring'))`);
  await knex.raw(`create unique index community_keys_one_current on community_keys (community_id) where status = 'current'`);
  await grantApp(knex, 'community_keys', 'select, insert, update, delete');
  await isolateByCommunity(knex, 'community_keys');

  // Custodial Stellar secrets, AES-256-GCM under the community's data key.
  await knex.schema.createTable('vault_secrets', (t) => {
    t.uuid('community_id').notNullable();
    t.text('name').notNullable();
    t.integer('key_version').notNullable();
    t.binary('sealed').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['community_id', 'name']);
    // A secret can only exist under a key that exists: a key version cannot be
    // dropped while anything is still sealed under it.
    t.foreign(['community_id', 'key_version']).references(['community_id', 'version']).inTable('community_keys');
  });
  await grantApp(knex, 'vault_secrets', 'select, insert, update, delete');
  await isolateByCommunity(knex, 'vault_secrets');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('vault_secrets');
  await knex.schema.dropTable('community_keys');
  await knex.schema.dropTable('communities');
  await knex.schema.dropTable('hub_settings');
}
