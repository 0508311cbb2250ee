import { Knex } from 'knex';

/**
 * A transfer can end `disputed`: settled on the ledger, then refused by the other side,
 * and the hub cannot pay it back itself because the payee's keys are on another server.
 * The protocol that reaches that server asks for the money back; when it comes back the
 * transfer ends `compensated`. A Komunitin payment request made for such a return
 * remembers the transfer it returns.
 */
const STATES = ['new', 'quoted', 'submitted', 'settled', 'delivered', 'rejected', 'failed', 'compensated'];

export async function up(knex: Knex): Promise<void> {
  await knex.raw('alter table transfers drop constraint transfers_state');
  await knex.raw(`alter table transfers add constraint transfers_state check (state in (${[...STATES, 'disputed'].map((s) => `'${s}'`).join(', ')}))`);
  await knex.raw(`create index transfers_disputed on transfers (community_id) where state = 'disputed'`);
  await knex.schema.alterTable('komunitin_transfers', (t) => {
    /** A request for the return of this core transfer, which its payee's server refused after it settled. */
    t.uuid('returns_transfer_id');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('komunitin_transfers', (t) => { t.dropColumn('returns_transfer_id'); });
  await knex.raw('drop index transfers_disputed');
  await knex.raw(`update transfers set state = 'settled' where state = 'disputed'`);
  await knex.raw('alter table transfers drop constraint transfers_state');
  await knex.raw(`alter table transfers add constraint transfers_state check (state in (${STATES.map((s) => `'${s}'`).join(', ')}))`);
}
