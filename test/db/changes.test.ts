/**
 * The change bus between hub processes on one PostgreSQL server (src/db/changes.ts):
 * a change published in a transaction reaches the other processes when it commits and
 * never when it rolls back, a process does not hear its own, one whose listening
 * connection was cut hears a reset and listens again; and a credit line set in one hub
 * process is in the other's graph at once (a payment there finds its route). Two
 * Database objects on one database stand for two processes (each bus has its own origin).
 *
 * On the embedded database (one process) publishing sends nothing.
 */
import assert from 'node:assert/strict';
import { TestNetwork, startTestNetwork } from '@intertrade/devnet/testing';
import { Change } from '../../src/db/changes';
import { Database, openDatabase } from '../../src/db/database';
import { SERVER_URL, TEST_MASTER_KEY, TestDatabase, createTestDatabase } from '../helpers/db';
import { HubCore, openHubCore } from '../fixtures/hub-core';

/** Resolves with the first change `pick` accepts, or rejects after `ms`. */
function heard(db: Database, topic: string, pick: (c: Change) => boolean = () => true, ms = 5000): Promise<Change> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { off(); reject(new Error(`nothing heard on ${topic} within ${ms} ms`)); }, ms);
    const off = db.changes.subscribe(topic, (c) => {
      if (!pick(c)) return;
      clearTimeout(timer);
      off();
      resolve(c);
    });
  });
}

const eventually = async (what: string, check: () => boolean, ms = 3000) => {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) assert.fail(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
};

describe('changes between hub processes (LISTEN/NOTIFY)', function () {
  this.timeout(60000);
  let tdb: TestDatabase;
  let one: Database;
  let two: Database;

  before(async () => {
    tdb = await createTestDatabase();
    one = await openDatabase({ databaseUrl: tdb.databaseUrl, dataDir: tdb.dataDir });
    await one.migrate();
    if (SERVER_URL) {
      two = await openDatabase({ databaseUrl: tdb.databaseUrl, dataDir: tdb.dataDir });
      // Listening starts with a first subscriber, and says so with a reset once it listens.
      await heard(two, 'test.ready', (c) => c.reset === true);
    }
  });
  after(async () => {
    await two?.close();
    await one?.close();
    await tdb?.drop();
  });

  it('embedded: one process, so publishing sends nothing and nobody hears it', async function () {
    if (SERVER_URL) this.skip();
    const got: Change[] = [];
    const off = one.changes.subscribe('test.x', (c) => got.push(c));
    await one.hub((trx) => one.changes.publish('test.x', 'a', trx));
    await one.changes.publish('test.x', 'b');
    await new Promise((r) => setTimeout(r, 200));
    off();
    assert.deepEqual(got.filter((c) => !c.reset), []);
  });

  it('reaches the other process when its transaction commits, never when it rolls back, and not the publisher', async function () {
    if (!SERVER_URL) this.skip();
    const mine: Change[] = [];
    const offMine = one.changes.subscribe('test.x', (c) => { if (!c.reset) mine.push(c); });
    const theirs: Change[] = [];
    const offTheirs = two.changes.subscribe('test.x', (c) => { if (!c.reset) theirs.push(c); });

    await assert.rejects(one.hub(async (trx) => {
      await one.changes.publish('test.x', 'rolled back', trx);
      throw new Error('undo');
    }), /undo/);
    const committed = heard(two, 'test.x', (c) => c.detail === 'committed');
    await one.hub(async (trx) => {
      await one.changes.publish('test.x', 'committed', trx);
      // Held until the commit: the other process has not heard it yet.
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(theirs, []);
    });
    assert.equal((await committed).detail, 'committed');
    await two.changes.publish('test.x', 'marker'); // after everything above, in order
    await eventually('the marker', () => mine.some((c) => c.detail === 'marker'));
    offMine();
    offTheirs();
    assert.deepEqual(theirs.map((c) => c.detail), ['committed'], 'the rolled-back change never arrives');
    assert.deepEqual(mine.map((c) => c.detail), ['marker'], 'a process hears the others, not itself');
  });

  it('a process whose listening connection is cut hears a reset and listens again', async function () {
    if (!SERVER_URL) this.skip();
    const reset = heard(two, 'test.y', (c) => c.reset === true, 10000);
    const cut = await one.owner.raw(`select pg_terminate_backend(pid) from pg_stat_activity
      where datname = current_database() and query ilike 'listen %' and pid <> pg_backend_pid()`);
    assert.ok(cut.rows.length >= 2, 'both listening connections were found and cut');
    await reset;
    const after = heard(two, 'test.y', (c) => c.detail === 'after');
    await one.changes.publish('test.y', 'after');
    assert.equal((await after).detail, 'after');
  });
});

describe('a credit line set in one hub process, in the other at once', function () {
  this.timeout(120000);
  let net: TestNetwork;
  let tdb: TestDatabase;
  let a: HubCore;
  let b: HubCore;

  before(async function () {
    if (!SERVER_URL) this.skip();
    net = await startTestNetwork();
    tdb = await createTestDatabase();
    const open = () => openHubCore({ horizonUrl: net.url, dataDir: tdb.dataDir, databaseUrl: tdb.databaseUrl, masterKey: TEST_MASTER_KEY, channels: 1, registered: true });
    a = await open();
    b = await open();
  });
  after(async () => {
    await a?.close();
    await b?.close();
    await net?.close();
    await tdb?.drop();
  });

  it('links and unlinks the two communities in the other process\'s graph', async () => {
    const X = await a.community('CHX1');
    const Y = await a.community('CHY1');
    assert.equal(b.creditLines.connected(X.id, Y.id), false);
    assert.ok(typeof await a.creditLines.set(X, Y, '100', 'test') !== 'string');
    await eventually('the line in process B', () => b.creditLines.connected(X.id, Y.id));
    assert.equal(await a.creditLines.set(X, Y, '0', 'test'), null);
    await eventually('the line gone in process B', () => !b.creditLines.connected(X.id, Y.id));
  });
});
