import { Knex } from 'knex';
import { grantApp, isolateByCommunity, readHubWideWriteOwn } from '../src/db/rls';

/**
 * Clearing Central: a hosted community's registration at a Clearing Central (its
 * connection), the CES exchanges admitted behind it (each a `ces` mirror community),
 * and the requests naming a CES exchange nobody admitted yet (pending admissions).
 *
 * A connection is the community's own row, isolated by community: a forwarded request
 * names the community in its data_url path, so the row is read in that community's
 * scope. It holds no secret: the password at Clearing Central and the data_url's
 * secret path segment are sealed in the vault; only the segment's SHA-256 is here.
 * The CES exchange registry is read hub-wide: a request is matched to its exchange by
 * NID before the exchange's community is known. Public data only; each row is written
 * only in its own exchange's scope (row level security on writes).
 * Bills a member here sends a CES member (`cc_bills`) are the seller community's rows:
 * written before Clearing Central is asked, so an answer that is lost leaves a record
 * that says so ("unknown at Clearing Central") for reconciliation to resolve.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('cc_connections', (t) => {
    t.uuid('community_id').primary().references('communities.id');
    /** Clearing Central's base URL: the hub posts <base_url>/txinput.php. */
    t.text('base_url').notNullable();
    /** The NID Clearing Central gave this community (cen + 4 digits). */
    t.text('nid').notNullable().unique();
    /** Addresses (CIDR) Clearing Central forwards from. */
    t.specificType('allowed_ips', 'text[]').notNullable();
    /** SHA-256 (hex) of the data_url's secret path segment. */
    t.text('path_hash').notNullable();
    /** Bills forwarded by Clearing Central are paid at once (CES members expect it) or refused. */
    t.boolean('accept_bills').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`alter table cc_connections add constraint cc_connections_nid check (nid ~ '^cen[0-9]{4}$')`);
  await grantApp(knex, 'cc_connections', 'select, insert, update');
  await isolateByCommunity(knex, 'cc_connections');

  await knex.schema.createTable('cc_exchanges', (t) => {
    t.uuid('community_id').primary().references('communities.id');
    t.text('nid').notNullable().unique();
    t.text('name').notNullable();
    /** ISO 3166 alpha-2, as Clearing Central lists it. */
    t.text('country').notNullable();
    /** Units of its currency per hour, a decimal string; the community's rate is 1/conv_rate. */
    t.text('conv_rate').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`alter table cc_exchanges add constraint cc_exchanges_nid check (nid ~ '^cen[0-9]{4}$')`);
  await grantApp(knex, 'cc_exchanges', 'select, insert, update');
  // A registry row is read hub-wide (by NID, before any community is known) but written
  // only in its own exchange's scope: no community can add or change another's.
  await readHubWideWriteOwn(knex, 'cc_exchanges');

  // A forwarded bill from a CES exchange nobody admitted: refused (4), and kept for the
  // governing body of the community it was meant for, once per exchange.
  await knex.schema.createTable('cc_pending_admissions', (t) => {
    t.uuid('community_id').notNullable().references('communities.id');
    t.text('nid').notNullable();
    /** What the last request said about the exchange (seller_xname, seller_country). */
    t.text('name').notNullable().defaultTo('');
    t.text('country').notNullable().defaultTo('');
    t.integer('requests').notNullable().defaultTo(1);
    t.timestamp('first_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['community_id', 'nid']);
  });
  await grantApp(knex, 'cc_pending_admissions', 'select, insert, update, delete');
  await isolateByCommunity(knex, 'cc_pending_admissions');

  await knex.schema.createTable('cc_bills', (t) => {
    t.uuid('community_id').notNullable().references('communities.id');
    /** A fresh UUID per bill, never reused: Clearing Central keys everything on it. */
    t.uuid('txid').notNullable().unique();
    t.uuid('seller_account_id').notNullable();
    /** The CES exchange billed (its mirror community pays the seller once accepted). */
    t.uuid('buyer_community_id').notNullable().references('communities.id');
    t.text('buyer_id').notNullable();
    /** Seller units (stroops), as sent. */
    t.bigInteger('amount').notNullable();
    t.text('description').notNullable();
    /** sending → paid | refused | unknown; accepted: Clearing Central said 1, the payment here is not settled yet. */
    t.text('state').notNullable();
    /** Clearing Central's last response code, when it gave one. */
    t.integer('code');
    t.text('message').notNullable().defaultTo('');
    t.uuid('transfer_id');
    t.integer('attempts').notNullable().defaultTo(0);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['community_id', 'txid']);
  });
  await knex.raw(`alter table cc_bills add constraint cc_bills_state check (state in ('sending', 'accepted', 'paid', 'refused', 'unknown'))`);
  await knex.raw(`create index cc_bills_open on cc_bills (community_id, state) where state in ('sending', 'accepted', 'unknown')`);
  await grantApp(knex, 'cc_bills', 'select, insert, update');
  await isolateByCommunity(knex, 'cc_bills');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('cc_bills');
  await knex.schema.dropTable('cc_pending_admissions');
  await knex.schema.dropTable('cc_exchanges');
  await knex.schema.dropTable('cc_connections');
}
