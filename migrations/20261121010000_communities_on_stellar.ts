import { Knex } from 'knex';
import { grantApp, isolateByCommunity } from '../src/db/rls';

/**
 * Communities on Stellar: each community's currency accounts and rate, its members'
 * accounts, credit lines between communities, durable transfers, hub-level secrets
 * (sponsor, channels) and the governance audit log.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('communities', (t) => {
    t.integer('rate_n').notNullable().defaultTo(1);
    t.integer('rate_d').notNullable().defaultTo(1);
    // Public keys of the currency's accounts (issuer, credit, admin, externalIssuer,
    // externalTrader). Public: peers need them to trade.
    t.jsonb('ledger_accounts').notNullable().defaultTo('{}');
    // provisioning → ready: provisioning is resumed at start until it is ready.
    t.text('ledger_status').notNullable().defaultTo('provisioning');
    t.jsonb('settings').notNullable().defaultTo('{}');
  });
  await knex.raw(`alter table communities add constraint communities_rate check (rate_n > 0 and rate_d > 0)`);
  await knex.raw(`alter table communities add constraint communities_ledger_status check (ledger_status in ('provisioning', 'ready'))`);

  await knex.schema.createTable('accounts', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('community_id').notNullable().references('communities.id');
    t.text('code').notNullable();
    t.text('kind').notNullable().defaultTo('member');
    t.text('public_key').notNullable();
    t.bigInteger('credit_limit').notNullable();
    t.bigInteger('max_balance').notNullable();
    t.text('ledger_status').notNullable().defaultTo('provisioning');
    t.text('status').notNullable().defaultTo('active');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['community_id', 'code']);
    t.unique(['public_key']);
  });
  await knex.raw(`alter table accounts add constraint accounts_kind check (kind in ('member', 'import_export'))`);
  await grantApp(knex, 'accounts', 'select, insert, update');
  await isolateByCommunity(knex, 'accounts');

  // Community A (community_id) accepts up to `limit` of B's (peer_id) HOUR, in A's units.
  await knex.schema.createTable('credit_lines', (t) => {
    t.uuid('community_id').notNullable().references('communities.id');
    t.uuid('peer_id').notNullable().references('communities.id');
    t.bigInteger('limit').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['community_id', 'peer_id']);
  });
  await knex.raw(`alter table credit_lines add constraint credit_lines_not_self check (community_id <> peer_id)`);
  await grantApp(knex, 'credit_lines', 'select, insert, update, delete');
  await isolateByCommunity(knex, 'credit_lines');

  // One payment, possibly across communities. Owned by the payer's community; the
  // payee's community may read it too (it is their incoming payment).
  await knex.schema.createTable('transfers', (t) => {
    t.uuid('id').primary().defaultTo(knex.raw('gen_random_uuid()'));
    t.uuid('community_id').notNullable().references('communities.id');
    t.uuid('payee_community_id').notNullable().references('communities.id');
    t.text('idempotency_key').notNullable().unique();
    t.text('request_hash').notNullable();
    t.uuid('payer_account_id').notNullable();
    t.uuid('payee_account_id').notNullable();
    t.bigInteger('amount').notNullable(); // payee units, stroops
    t.bigInteger('source_amount'); // payer units, stroops (after settlement: actual)
    t.bigInteger('send_max');
    t.jsonb('path').notNullable().defaultTo('[]');
    t.text('state').notNullable().defaultTo('new');
    t.text('ledger_hash');
    t.text('error_code');
    t.text('error_message');
    t.text('meta').notNullable().defaultTo('');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`alter table transfers add constraint transfers_state check
    (state in ('new', 'quoted', 'submitted', 'settled', 'delivered', 'rejected', 'failed', 'compensated'))`);
  await knex.raw(`create index transfers_unfinished on transfers (state) where state in ('new', 'quoted', 'submitted')`);
  await grantApp(knex, 'transfers', 'select, insert, update');
  await knex.raw('alter table transfers enable row level security');
  await knex.raw(`create policy payer_or_payee on transfers to intertrade_app
    using (community_id = current_community() or payee_community_id = current_community())
    with check (community_id = current_community())`);

  // Every signed envelope the hub sent, by hash, written once before it is sent: after a
  // crash, recovery asks the ledger about exactly this envelope. One envelope may carry
  // the payments of many communities; its content is what the ledger publishes anyway.
  await knex.schema.createTable('submissions', (t) => {
    t.text('hash').primary();
    t.text('envelope').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await grantApp(knex, 'submissions', 'select, insert');

  // Hub-level secrets (sponsor, channel accounts), sealed directly under the master key.
  await knex.schema.createTable('hub_secrets', (t) => {
    t.text('name').primary();
    t.text('public_key').notNullable();
    t.binary('sealed').notNullable();
    t.text('master_key_id').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await grantApp(knex, 'hub_secrets', 'select, insert, update');

  // Every governance change: who, when, what, before and after.
  await knex.schema.createTable('audit_log', (t) => {
    t.bigIncrements('id');
    t.text('actor').notNullable();
    t.text('action').notNullable();
    t.text('subject').notNullable();
    t.jsonb('before');
    t.jsonb('after');
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await grantApp(knex, 'audit_log', 'select, insert');
  await knex.raw('grant usage on sequence audit_log_id_seq to intertrade_app');
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['audit_log', 'hub_secrets', 'submissions', 'transfers', 'credit_lines', 'accounts']) await knex.schema.dropTable(t);
  await knex.schema.alterTable('communities', (t) => {
    t.dropColumn('rate_n');
    t.dropColumn('rate_d');
    t.dropColumn('ledger_accounts');
    t.dropColumn('ledger_status');
    t.dropColumn('settings');
  });
}
