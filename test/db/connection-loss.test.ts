import assert from 'node:assert/strict';
import { connectionLoss } from '../../src/db/connection-loss';
import { reasonOf } from '../../src/unavailable';

const pgError = (code: string, message: string) => Object.assign(new Error(message), { code, severity: 'FATAL' });

describe('connection loss (which database errors are an outage, retried, not a refusal)', () => {
  it('takes a connection the server or the network dropped as lost', () => {
    for (const e of [
      pgError('57P01', 'terminating connection due to administrator command'),
      pgError('57P03', 'the database system is starting up'),
      pgError('08006', 'connection failure'),
      pgError('53300', 'sorry, too many clients already'),
      new Error('Connection terminated unexpectedly'),
      new Error('COMMIT; - Client has encountered a connection error and is not queryable'),
      Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
      new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' })], ''),
      new Error('wrapped', { cause: pgError('57P01', 'terminating connection due to administrator command') }),
      pgError('55000', 'database "x" is not currently accepting connections'),
    ]) assert.equal(connectionLoss(e), 'lost', e.message);
  });

  it('takes a pool that had no connection in time as exhausted (answered at once, not waited for again)', () => {
    const e = Object.assign(new Error('Knex: Timeout acquiring a connection. The pool is probably full. Are you missing a .transacting(trx) call?'), { name: 'KnexTimeoutError' });
    assert.equal(connectionLoss(e), 'exhausted');
  });

  it('leaves refusals alone: the same answer however often asked', () => {
    for (const e of [
      pgError('23505', 'duplicate key value violates unique constraint "transfers_idempotency_key_unique"'),
      pgError('P0001', 'stale transfers: 1 of 2 are no longer in the state they were expected in'),
      pgError('55000', 'currval of sequence "s" is not yet defined in this session'),
      new Error('transfer 1 is no longer in state submitted'),
      'a string',
      null,
    ]) assert.equal(connectionLoss(e), null, String(e));
  });

  it('says what failed in words, not "fetch failed"', () => {
    const fetchFailed = new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8000'), { code: 'ECONNREFUSED', address: '127.0.0.1', port: 8000 }) });
    assert.equal(reasonOf(fetchFailed), 'connection refused (ECONNREFUSED 127.0.0.1:8000)');
    assert.equal(reasonOf(new Error('connect ECONNREFUSED 127.0.0.1:8000')), 'connection refused (connect ECONNREFUSED 127.0.0.1:8000)');
    assert.equal(reasonOf(new Error('Connection terminated unexpectedly')), 'Connection terminated unexpectedly');
  });
});
