import { Knex } from 'knex';
import { APP_ROLE, grantApp, readHubWideWriteOwn } from '../src/db/rls';

/**
 * The hub as a Clearing Central (part 2): the exchanges registered with it and the
 * transactions their sellers post to its txinput.php.
 *
 * `ccs_members` is the registry, one row per NID: a CES exchange served here (a `ces`
 * mirror community with a password hash, the addresses it calls from and the data_url
 * transactions are forwarded to) or a community of the hub listed under a NID so
 * sellers can bill its members (no password, no data_url: paid directly). Read hub-wide
 * (a request names NIDs before any community is known), written in its own scope.
 * Only a slow hash of the password is kept (scrypt, with its salt and parameters).
 *
 * `ccs_transactions` are the seller community's rows, keyed (seller, txid): written
 * before the buyer is asked, so a forward whose outcome is lost is undone at the buyer.
 * The buyer's community reads them too (its imports, for the per-exchange totals).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('ccs_members', (t) => {
    t.uuid('community_id').primary().references('communities.id');
    t.text('nid').notNullable().unique();
    /** The exchange's own code for itself (niddata.php `xid`). */
    t.text('xid').notNullable().defaultTo('');
    t.text('name').notNullable();
    t.text('country').notNullable();
    /** The software it runs (CES, IntegralCES, Drupal…), as logon.php sends it. */
    t.text('system').notNullable().defaultTo('');
    /** Units per hour, a decimal string (the community's rate is its inverse). */
    t.text('conv_rate').notNullable();
    /** scrypt$N$r$p$salt$hash, or null: a listed hub community cannot post transactions. */
    t.text('password_hash');
    t.specificType('allowed_ips', 'text[]').notNullable().defaultTo('{}');
    /** Where its transactions are forwarded; null: a community of the hub, paid directly. */
    t.text('data_url');
    t.text('request_format');
    t.boolean('active').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`alter table ccs_members add constraint ccs_members_nid check (nid ~ '^cen[0-9]{4}$' and nid <> 'cen0000')`);
  await knex.raw(`alter table ccs_members add constraint ccs_members_format check (request_format is null or request_format in ('post', 'get'))`);
  await grantApp(knex, 'ccs_members', 'select, insert, update');
  await readHubWideWriteOwn(knex, 'ccs_members');

  await knex.schema.createTable('ccs_transactions', (t) => {
    /** The seller's community. */
    t.uuid('community_id').notNullable().references('communities.id');
    t.text('txid').notNullable();
    t.uuid('buyer_community_id').notNullable().references('communities.id');
    t.text('buyer_id').notNullable();
    t.text('description').notNullable();
    /** What the transaction stands at once settled, seller units (stroops); 0 before the first settles, or deleted. */
    t.bigInteger('amount').notNullable().defaultTo(0);
    /** The same in the buyer's units, as forwarded. */
    t.bigInteger('buyer_amount').notNullable().defaultTo(0);
    /** The attempt under way: its seller and buyer amounts and description. */
    t.bigInteger('pending_amount').notNullable();
    t.bigInteger('pending_buyer_amount').notNullable();
    t.text('pending_description').notNullable();
    /** forwarding → settled | refused | accepted (buyer said 1, the payment is still settling) | undoing → undone. */
    t.text('state').notNullable();
    t.integer('code');
    /** Transfers so far (the next step's number). */
    t.integer('steps').notNullable().defaultTo(0);
    t.text('buyer_name').notNullable().defaultTo('');
    t.text('buyer_email').notNullable().defaultTo('');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['community_id', 'txid']);
  });
  await knex.raw(`alter table ccs_transactions add constraint ccs_transactions_state check (state in ('forwarding', 'accepted', 'settled', 'refused', 'undoing', 'undone'))`);
  await knex.raw(`create index ccs_transactions_open on ccs_transactions (updated_at) where state in ('forwarding', 'accepted')`);
  await knex.raw('create index ccs_transactions_buyer on ccs_transactions (buyer_community_id)');
  await grantApp(knex, 'ccs_transactions', 'select, insert, update');
  await knex.raw('alter table ccs_transactions enable row level security');
  // The seller's rows; the buyer's community reads them too (its imports), writes none.
  await knex.raw(`create policy seller_rows on ccs_transactions to ${APP_ROLE}
    using (community_id = current_community()) with check (community_id = current_community())`);
  await knex.raw(`create policy buyer_reads on ccs_transactions for select to ${APP_ROLE} using (buyer_community_id = current_community())`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('ccs_transactions');
  await knex.schema.dropTable('ccs_members');
}
