import { Knex } from 'knex';
import { grantApp, isolateByCommunity } from '../src/db/rls';

/**
 * The Komunitin protocol's records: peer servers' currencies (by URL) and the peer
 * communities they became, remote accounts by URL, how mirror communities' members are
 * addressed as Komunitin accounts, every Komunitin transfer (payments and payment
 * requests, both ways) with its state, and each community's payment-request policy.
 */
export async function up(knex: Knex): Promise<void> {
  // Peer accounts are remote: known by public key, kept by another server.
  await knex.raw('alter table accounts drop constraint accounts_kind');
  await knex.raw(`alter table accounts add constraint accounts_kind check (kind in ('member', 'import_export', 'remote'))`);

  // Hub-wide like the community registry: a currency URL must resolve to its peer
  // community before the community is known. Public data only (what the peer serves).
  await knex.schema.createTable('komunitin_peers', (t) => {
    t.text('currency_url').primary();
    t.uuid('community_id').notNullable().unique().references('communities.id');
    /** The peer's own currency code (the ledger asset code). */
    t.text('code').notNullable();
    t.integer('scale').notNullable();
    t.jsonb('resource').notNullable();
    t.timestamp('fetched_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await grantApp(knex, 'komunitin_peers', 'select, insert, update');

  await knex.schema.createTable('komunitin_remote_accounts', (t) => {
    t.uuid('community_id').notNullable().references('communities.id');
    /** The account URL as the peer serves it (…/CODE/accounts/ID). */
    t.text('href').notNullable();
    t.uuid('account_id').notNullable();
    t.text('remote_id').notNullable();
    t.text('public_key').notNullable();
    t.jsonb('resource').notNullable();
    t.timestamp('fetched_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['community_id', 'href']);
  });
  await grantApp(knex, 'komunitin_remote_accounts', 'select, insert, update');
  await isolateByCommunity(knex, 'komunitin_remote_accounts');

  // A mirror community's members (a CXP or CES exchange's) have no account of their own
  // here; each gets a stable UUID so a Komunitin server can address it.
  await knex.schema.createTable('komunitin_mirror_members', (t) => {
    t.uuid('community_id').notNullable().references('communities.id');
    t.uuid('id').notNullable();
    t.text('member_ref').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['community_id', 'id']);
    t.unique(['community_id', 'member_ref']);
  });
  await grantApp(knex, 'komunitin_mirror_members', 'select, insert');
  await isolateByCommunity(knex, 'komunitin_mirror_members');

  // Every Komunitin transfer a community of this hub takes part in, under the id both
  // servers use for it: payments (recorded or made) and payment requests (held pending
  // until accepted or rejected). Owned by this hub's side (community_id).
  await knex.schema.createTable('komunitin_transfers', (t) => {
    t.uuid('community_id').notNullable().references('communities.id');
    t.uuid('id').notNullable();
    /** incoming: the peer's member pays ours; outgoing: ours pays the peer's. */
    t.text('direction').notNullable();
    /** payment: the payer's side started it; request: the payee's side asked for it. */
    t.text('kind').notNullable();
    /** Komunitin's state: new, pending, committed, rejected, failed. */
    t.text('state').notNullable();
    t.uuid('account_id').notNullable();
    /** Set for a mirror community's member (the account is then the import-export one). */
    t.text('member_ref');
    t.uuid('peer_community_id').notNullable().references('communities.id');
    t.text('remote_href').notNullable();
    /** What the hub's account pays or receives, its community's units (stroops). */
    t.bigInteger('amount').notNullable();
    t.text('description').notNullable().defaultTo('');
    t.uuid('transfer_id');
    t.text('hash');
    t.text('error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['community_id', 'id']);
  });
  await knex.raw(`alter table komunitin_transfers add constraint komunitin_transfers_direction check (direction in ('incoming', 'outgoing'))`);
  await knex.raw(`alter table komunitin_transfers add constraint komunitin_transfers_kind check (kind in ('payment', 'request'))`);
  await knex.raw(`alter table komunitin_transfers add constraint komunitin_transfers_state check (state in ('new', 'pending', 'committed', 'rejected', 'failed'))`);
  await knex.raw('create unique index komunitin_transfers_hash on komunitin_transfers (community_id, hash) where hash is not null');
  await grantApp(knex, 'komunitin_transfers', 'select, insert, update');
  await isolateByCommunity(knex, 'komunitin_transfers');

  // Whether a community pays peers' payment requests by itself: never (held for a
  // member or admin), always, or only from the listed accounts or currencies.
  await knex.schema.createTable('komunitin_policies', (t) => {
    t.uuid('community_id').primary().references('communities.id');
    t.text('accept_requests').notNullable().defaultTo('manual');
    t.jsonb('whitelist').notNullable().defaultTo('[]');
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`alter table komunitin_policies add constraint komunitin_policies_accept check (accept_requests in ('manual', 'auto', 'whitelist'))`);
  await grantApp(knex, 'komunitin_policies', 'select, insert, update');
  await isolateByCommunity(knex, 'komunitin_policies');
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['komunitin_policies', 'komunitin_transfers', 'komunitin_mirror_members', 'komunitin_remote_accounts', 'komunitin_peers']) {
    await knex.schema.dropTable(t);
  }
  await knex.raw(`delete from accounts where kind = 'remote'`);
  await knex.raw('alter table accounts drop constraint accounts_kind');
  await knex.raw(`alter table accounts add constraint accounts_kind check (kind in ('member', 'import_export'))`);
}
