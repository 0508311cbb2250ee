/**
 * Several hub processes on one PostgreSQL server (issue 17 §2): two replicas take the
 * same stream of idempotent transfer requests at once, and each transfer is paid exactly
 * once; one of them killed with SIGKILL mid-stream, the other finishes everything the dead
 * one was driving (its transfers taken over once its heartbeat is 10 s old), and the
 * ledger and the records agree afterwards.
 *
 * The replicas are child processes (test/fixtures/crash-child.ts, registered), each with
 * its own channel accounts leased from the shared database; the devnet runs here. The
 * embedded database is one process by design: skipped there.
 */
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { TestNetwork, startTestNetwork } from '@intertrade/devnet/testing';
import { Community } from '../../src/core/communities/model';
import { FINAL_STATES, Transfer } from '../../src/core/transfers/model';
import { Party } from '../../src/core/transfers/service';
import { SERVER_URL, TEST_MASTER_KEY, TestDatabase, createTestDatabase } from '../helpers/db';
import { CrashPlan, crashKey, crashPayer, receivedOnLedger } from '../fixtures/crash-plan';
import { HubCore, openHubCore } from '../fixtures/hub-core';

const CHILD = path.resolve(__dirname, '../fixtures/crash-child.ts');
const COUNT = 160;
const CHANNELS = 2;

const children = new Set<ChildProcess>();
const killAll = () => { for (const c of children) c.kill('SIGKILL'); };
process.on('exit', killAll);

interface Replica {
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
}

function startReplica(plan: CrashPlan): Replica {
  const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), CHILD], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CRASH_PLAN: JSON.stringify(plan) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  let onReady = () => {};
  const ready = new Promise<void>((resolve) => { onReady = resolve; });
  child.stdout!.on('data', (d: Buffer) => { output += d.toString(); if (/^ready$/m.test(output)) onReady(); });
  child.stderr!.on('data', (d: Buffer) => { output += d.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) => {
    child.once('exit', (code, signal) => { children.delete(child); onReady(); resolve({ code, signal, output }); });
  });
  return { child, ready, exited };
}

const sorted = (xs: bigint[]) => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

describe('two hub processes on one PostgreSQL server', function () {
  this.timeout(240000);
  let net: TestNetwork;
  let tdb: TestDatabase;
  let core: HubCore | null = null;
  let payers: Party[] = [];
  let payees: Party[] = [];

  before(async function () {
    if (!SERVER_URL) this.skip(); // the embedded database is one process
    net = await startTestNetwork();
    tdb = await createTestDatabase();
    core = await open();
    const A = await core.community('RPA1');
    const B = await core.community('RPB1', { settings: { traderCredit: '100000', traderMaxBalance: '100000' } });
    assert.ok(typeof await core.creditLines.set(B, A, '100000', 'test') !== 'string');
    for (let i = 0; i < 4; i++) payers.push(await core.member(A, '10000', '10000'));
    for (let i = 0; i < 5; i++) payees.push(await core.member(B, '0', '100000'));
  });
  after(async () => {
    killAll();
    await core?.close();
    await net?.close();
    await tdb?.drop();
  });

  const open = () => openHubCore({ horizonUrl: net.url, dataDir: tdb.dataDir, databaseUrl: tdb.databaseUrl, masterKey: TEST_MASTER_KEY, channels: CHANNELS });
  const plan = (keyPrefix: string, reverse: boolean): CrashPlan => ({
    horizonUrl: net.url, dataDir: tdb.dataDir, databaseUrl: tdb.databaseUrl, masterKey: TEST_MASTER_KEY, channels: CHANNELS,
    payers: payers.map((p) => ({ communityId: p.community.id, accountId: p.account.id })),
    payees: payees.map((p) => ({ communityId: p.community.id, accountId: p.account.id })),
    count: COUNT, concurrency: 24, registered: true, reverse, keyPrefix,
  });

  /** Every key's transfer, as the database has it now. */
  const transfersOf = async (p: CrashPlan): Promise<Array<Transfer | null>> => {
    const out: Array<Transfer | null> = [];
    for (let i = 0; i < COUNT; i++) out.push(await core!.transfers.findByKey(crashPayer(p, i).communityId, crashKey(i, p)));
    return out;
  };

  /** The ledger agrees with the records: each payee got exactly the settled transfers' amounts, each once. */
  const ledgerAgrees = async () => {
    const c = core!;
    const settled: Transfer[] = [];
    for (const prefix of ['both', 'killed']) {
      for (const t of await transfersOf(plan(prefix, false))) if (t?.state === 'settled') settled.push(t);
    }
    for (const p of payees) {
      const expected = settled.filter((t) => t.payeeAccountId === p.account.id).map((t) => t.amount);
      assert.deepEqual(sorted(await receivedOnLedger(net, p.account.publicKey)), sorted(expected), `payments to ${p.account.code} on the ledger`);
      assert.equal(await c.accounts.balance(p.community as Community, p.account), expected.reduce((a, b) => a + b, 0n), `balance of ${p.account.code}`);
    }
    for (const p of payers) {
      const paid = settled.filter((t) => t.payerAccountId === p.account.id).reduce((a, t) => a + (t.sourceAmount ?? 0n), 0n);
      assert.equal(await c.accounts.balance(p.community, p.account), -paid, `balance of payer ${p.account.code}`);
    }
  };

  const owners = async (ts: Transfer[]): Promise<Set<string>> => new Set(ts.map((t) => t.owner ?? 'none'));

  it('takes the same stream of idempotent requests in both, and pays each transfer once', async () => {
    const forward = plan('both', false);
    const a = startReplica(forward);
    const b = startReplica({ ...forward, reverse: true });
    const [ra, rb] = await Promise.all([a.exited, b.exited]);
    assert.equal(ra.code, 0, `replica A:\n${ra.output}`);
    assert.equal(rb.code, 0, `replica B:\n${rb.output}`);

    const all = await transfersOf(forward);
    for (const [i, t] of all.entries()) {
      assert.ok(t, `key ${i} has its transfer`);
      assert.equal(t.state, 'settled', `key ${i}: ${t.state} ${t.errorCode ?? ''}`);
    }
    // Both did work (each drove some of the stream), and each transfer had one driver.
    assert.equal((await owners(all as Transfer[])).size, 2, 'each replica drove part of the stream');
    await ledgerAgrees();
  });

  it('one killed mid-stream: the other finishes what it was driving, nothing lost or doubled', async () => {
    const forward = plan('killed', false);
    const victim = startReplica(forward);
    const survivor = startReplica({ ...forward, reverse: true });
    await Promise.all([victim.ready, survivor.ready]);
    // Killed the instant its 3rd ledger closes: it has submissions on the ledger it never heard back about.
    let closed = 0;
    const onLedger = () => { if (++closed === 3) victim.child.kill('SIGKILL'); };
    net.devnet.on('ledger', onLedger);
    const rv = await victim.exited;
    net.devnet.off('ledger', onLedger);
    assert.equal(rv.signal, 'SIGKILL', `the victim was killed, not finished:\n${rv.output}`);

    // The survivor repeats every key, the dead one's too: it waits for them, then takes them over.
    const rs = await survivor.exited;
    assert.equal(rs.code, 0, `the survivor finished:\n${rs.output}`);
    const all = await transfersOf(forward);
    for (const [i, t] of all.entries()) {
      assert.ok(t, `key ${i} has its transfer`);
      assert.ok(FINAL_STATES.includes(t.state), `key ${i} is ${t.state}`);
      assert.equal(t.state, 'settled', `key ${i}: ${t.errorCode ?? ''}`);
    }
    // Nothing was left for anyone else: no unfinished transfer, nothing to resume.
    assert.equal(await core!.transfers.resume(), 0);
    await core!.rebalancer.idle();
    await ledgerAgrees();
  });
});
