import assert from 'node:assert/strict';
import { databaseCheck, ledgerCheck } from '../../src/http/health';
import { Unavailable } from '../../src/unavailable';

describe('readiness checks (what /readyz asks, and the words it answers with)', () => {
  const db = (o: { ping?: () => Promise<void>; failedMsAgo?: number }) => ({
    describe: 'PostgreSQL at db:5432/hub',
    ping: o.ping ?? (async () => {}),
    outages: () => ({ lastFailure: o.failedMsAgo === undefined ? null : { at: new Date(Date.now() - o.failedMsAgo), reason: 'Connection terminated unexpectedly' } }),
  });

  it('passes a database that answers and gave up on nothing lately', async () => {
    await databaseCheck(db({}))();
    await databaseCheck(db({ failedMsAgo: 60_000 }))();
  });

  it('names a database that does not answer, in the ping\'s words', async () => {
    const down = new Unavailable('database', 'the database (PostgreSQL at db:5432/hub) is unreachable: connection refused (ECONNREFUSED 10.0.0.5:5432)');
    await assert.rejects(databaseCheck(db({ ping: async () => { throw down; } }))(), { message: down.message });
  });

  it('is not ready while requests are being given up on the database, though a ping gets through', async () => {
    await assert.rejects(databaseCheck(db({ failedMsAgo: 1000 }))(), {
      message: 'the database (PostgreSQL at db:5432/hub) drops connections: a request could not be completed 1 s ago (Connection terminated unexpectedly)',
    });
  });

  it('is not ready while a Stellar submission waits longer than the stall limit', async () => {
    const name = 'the Stellar network (Horizon at https://horizon.example)';
    const network = { ping: async () => {} };
    await ledgerCheck(name, network, { waiting: () => ({ jobs: 3, oldestMs: 5000 }) }, 30_000)();
    await assert.rejects(ledgerCheck(name, network, { waiting: () => ({ jobs: 3, oldestMs: 42_000 }) }, 30_000)(), {
      message: `${name} has not confirmed a submission for 42 s (3 waiting); payments are recorded and finish when it answers`,
    });
  });
});
