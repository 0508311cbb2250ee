import { Knex } from 'knex';
import { grantApp, isolateByCommunity } from '../src/db/rls';

/**
 * CXP exchanges: the member exchanges of the Intertrading Circle, each a `cxp`
 * community. The registry row is hub-level (like `communities`): a request is matched
 * to its exchange by Hawk id or by uri before any community is known, and the row holds
 * no secret — the Hawk key and the legacy key are sealed in the vault under the
 * community's data key. Nonces and balance mismatches are the exchange's own data and
 * are isolated by community.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('cxp_exchanges', (t) => {
    t.uuid('community_id').primary().references('communities.id');
    /** Where the hub relays to: PUT <uri>/transactions (legacy: POST <uri>intertrade). */
    t.text('uri').notNullable();
    /** The uri without scheme, lowercased, no trailing slash: how src_url / dest_url name it. */
    t.text('uri_key').notNullable().unique();
    t.text('title').notNullable();
    t.text('hawk_id').notNullable().unique();
    /** Bumped at every rotation, so cached keys are known stale without opening the vault. */
    t.integer('key_version').notNullable().defaultTo(1);
    /** Declared ticks (local units per HOUR), a decimal string; the rate follows it. */
    t.text('ticks').notNullable().defaultTo('1');
    /** The exchange's first trade through the hub: ticks are locked from then on. */
    t.timestamp('first_trade_at', { useTz: true });
    /** The circle's limits in HOUR stroops (min ≤ 0 ≤ max), kept so a new rate can re-apply them. */
    t.bigInteger('min_hour').notNullable();
    t.bigInteger('max_hour').notNullable();
    /** Largest |balance| / volume allowed, in percent; 0 = no limit. */
    t.integer('ratio_percent').notNullable().defaultTo(0);
    /** Last 365 days' volume the exchange declared at prepare (HOUR stroops). */
    t.bigInteger('volume');
    /** What the exchange said about itself at its last handshake. */
    t.jsonb('declared').notNullable().defaultTo('{}');
    t.timestamp('handshake_at', { useTz: true });
    /** Legacy Drupal mode: body key + IP allowlist instead of Hawk (weaker). */
    t.boolean('legacy').notNullable().defaultTo(false);
    t.specificType('legacy_ips', 'text[]').notNullable().defaultTo('{}');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw('alter table cxp_exchanges add constraint cxp_exchanges_limits check (min_hour <= 0 and max_hour >= 0)');
  await knex.raw('alter table cxp_exchanges add constraint cxp_exchanges_ratio check (ratio_percent >= 0)');
  await grantApp(knex, 'cxp_exchanges', 'select, insert, update');

  // Hawk nonces seen, until their timestamp is out of the skew window: a replay is
  // refused, also after a restart.
  await knex.schema.createTable('cxp_nonces', (t) => {
    t.uuid('community_id').notNullable().references('communities.id');
    t.text('nonce').notNullable();
    t.bigInteger('ts').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.primary(['community_id', 'nonce', 'ts']);
  });
  await knex.raw('create index cxp_nonces_expiry on cxp_nonces (community_id, expires_at)');
  await grantApp(knex, 'cxp_nonces', 'select, insert, delete');
  await isolateByCommunity(knex, 'cxp_nonces');

  // Prepare-form balances that did not match the hub's import-export account: for the
  // governing body to look into.
  await knex.schema.createTable('cxp_balance_mismatches', (t) => {
    t.bigIncrements('id');
    t.uuid('community_id').notNullable().references('communities.id');
    /** HOUR stroops: what the exchange declared, and what the hub holds. */
    t.bigInteger('declared').notNullable();
    t.bigInteger('hub').notNullable();
    t.bigInteger('volume');
    t.boolean('integrity').notNullable();
    t.timestamp('at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await grantApp(knex, 'cxp_balance_mismatches', 'select, insert');
  await knex.raw('grant usage on sequence cxp_balance_mismatches_id_seq to intertrade_app');
  await isolateByCommunity(knex, 'cxp_balance_mismatches');
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('cxp_balance_mismatches');
  await knex.schema.dropTable('cxp_nonces');
  await knex.schema.dropTable('cxp_exchanges');
}
