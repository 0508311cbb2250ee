/**
 * A hub process killed with SIGKILL in the middle of settling — at random points,
 * including right after its submissions reach the ledger and before it hears back —
 * loses and doubles nothing: whoever opens the database next resumes every transfer
 * to a final state, and each settled transfer's payment is on the ledger exactly once.
 *
 * The devnet runs here, in the test process, so it outlives the killed child; the
 * child (test/fixtures/crash-child.ts) owns the database while it runs (embedded: the
 * PGlite directory and its DATA_DIR lock, taken over here after the kill).
 */
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { Community } from '../../src/core/communities/model';
import { FINAL_STATES, Transfer } from '../../src/core/transfers/model';
import { isTransferError } from '../../src/core/transfers/errors';
import { Party } from '../../src/core/transfers/service';
import { TestNetwork, startTestNetwork } from '@intertrade/devnet/testing';
import { TEST_MASTER_KEY, TestDatabase, createTestDatabase } from '../helpers/db';
import { CrashPlan, crashAmount, crashKey, crashPayee, crashPayer, receivedOnLedger } from '../fixtures/crash-plan';
import { HubCore, openHubCore } from '../fixtures/hub-core';

const CHILD = path.resolve(__dirname, '../fixtures/crash-child.ts');
const COUNT = 240;
const CHANNELS = 4;

const children = new Set<ChildProcess>();
const killAll = () => {
  for (const c of children) c.kill('SIGKILL');
};
process.on('exit', killAll);

interface Victim {
  child: ChildProcess;
  /** Resolves when the child prints `ready` (core built, about to settle). */
  ready: Promise<void>;
  /** Resolves once the child has exited and been reaped (its pid is dead). */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
}

function startVictim(plan: CrashPlan): Victim {
  const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), CHILD], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', CRASH_PLAN: JSON.stringify(plan) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let output = '';
  let onReady = () => {};
  const ready = new Promise<void>((resolve) => { onReady = resolve; });
  const onData = (d: Buffer) => {
    output += d.toString();
    if (/^ready$/m.test(output)) onReady();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      onReady(); // a child that dies early is never ready: let the waiter see the exit
      resolve({ code, signal, output });
    });
  });
  return { child, ready, exited };
}

const randomInt = (min: number, max: number) => min + Math.floor(Math.random() * (max - min + 1));

const sorted = (xs: bigint[]) => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

describe('a kill -9 between submission and recording', function () {
  this.timeout(120000);
  let net: TestNetwork;
  let tdb: TestDatabase;
  let core: HubCore | null = null;

  before(async () => {
    net = await startTestNetwork();
    tdb = await createTestDatabase();
  });
  after(async () => {
    killAll();
    await core?.close();
    await net?.close();
    await tdb?.drop();
  });

  const open = () => openHubCore({
    horizonUrl: net.url, dataDir: tdb.dataDir, databaseUrl: tdb.databaseUrl, masterKey: TEST_MASTER_KEY, channels: CHANNELS,
  });

  it('resumes every transfer to a final state without a double payment', async () => {
    // Two communities, B accepting A's HOUR, set up here; then the database is the child's.
    core = await open();
    const A = await core.community('KLA1');
    const B = await core.community('KLB1', { settings: { traderCredit: '10000', traderMaxBalance: '10000' } });
    assert.ok(typeof await core.creditLines.set(B, A, '10000', 'test') !== 'string');
    const payers: Party[] = [];
    for (let i = 0; i < 4; i++) payers.push(await core.member(A, '1000', '1000'));
    const payees: Party[] = [];
    for (let i = 0; i < 5; i++) payees.push(await core.member(B, '0', '10000'));
    await core.close();
    core = null;

    const plan: CrashPlan = {
      horizonUrl: net.url, dataDir: tdb.dataDir, databaseUrl: tdb.databaseUrl, masterKey: TEST_MASTER_KEY, channels: CHANNELS,
      payers: payers.map((p) => ({ communityId: p.community.id, accountId: p.account.id })),
      payees: payees.map((p) => ({ communityId: p.community.id, accountId: p.account.id })),
      count: COUNT, concurrency: 60,
    };

    // Round 1: killed the instant the k-th of its ledgers closes — its submission has
    // applied and the answer is not yet sent, so it dies between submission and recording.
    const first = startVictim(plan);
    await first.ready;
    const k = randomInt(3, 12);
    let closed = 0;
    const onLedger = () => {
      if (++closed === k) first.child.kill('SIGKILL');
    };
    net.devnet.on('ledger', onLedger);
    const r1 = await first.exited;
    net.devnet.off('ledger', onLedger);
    assert.equal(r1.signal, 'SIGKILL', `the first child was killed, not finished:\n${r1.output}`);

    // Round 2: a new process takes the same keys up again (resuming what it finds) and
    // is killed at a random moment of that work.
    const second = startVictim(plan);
    await second.ready;
    const timer = setTimeout(() => second.child.kill('SIGKILL'), randomInt(20, 1500));
    const r2 = await second.exited;
    clearTimeout(timer);
    assert.ok(r2.signal === 'SIGKILL' || r2.code === 0, `the second child failed:\n${r2.output}`);

    // Recovery, in this process: the dead child's DATA_DIR lock is taken over.
    core = await open();
    const c = core;
    await c.transfers.resume();
    const byKey = async (i: number) => c.transfers.findByKey(crashPayer(plan, i).communityId, crashKey(i));
    const found: Array<Transfer | null> = [];
    for (let i = 0; i < COUNT; i++) found.push(await byKey(i));
    const started = found.filter((t): t is Transfer => t !== null);
    assert.ok(started.length > 0, 'the children started some transfers');
    for (const t of started) assert.ok(FINAL_STATES.includes(t.state), `transfer ${t.idempotencyKey} is ${t.state} after resume()`);

    // The same keys again, as a client retrying would: what exists is returned as it
    // is; what the children never created is settled now.
    const party = (p: { communityId: string; accountId: string }): Party => {
      const all = [...payers, ...payees];
      return all.find((x) => x.account.id === p.accountId)!;
    };
    const settleAll = async (): Promise<Transfer[]> => {
      const out: Transfer[] = [];
      for (let i = 0; i < COUNT; i += 40) {
        const chunk = await Promise.all(Array.from({ length: Math.min(40, COUNT - i) }, (_, j) => c.transfers.settle({
          idempotencyKey: crashKey(i + j), amount: crashAmount(i + j),
          payer: party(crashPayer(plan, i + j)), payee: party(crashPayee(plan, i + j)),
        })));
        for (const t of chunk) {
          assert.ok(!isTransferError(t), String(t));
          out.push(t);
        }
      }
      return out;
    };
    const all = await settleAll();
    for (const t of started) {
      const again = all.find((x) => x.id === t.id);
      assert.ok(again, `key ${t.idempotencyKey} keeps its transfer`);
      assert.equal(again.state, t.state, `${t.idempotencyKey}: a final transfer stays as it was`);
      assert.equal(again.ledgerHash, t.ledgerHash);
    }
    for (const t of all) assert.ok(FINAL_STATES.includes(t.state), `${t.idempotencyKey} is ${t.state}`);
    const settled = all.filter((t) => t.state === 'settled');
    assert.ok(settled.length >= COUNT - 5, `nearly all transfers settle (${settled.length}/${COUNT}; ${all.filter((t) => t.state !== 'settled').map((t) => t.errorCode).join(', ')})`);
    await c.rebalancer.idle();

    // The ledger: each payee received exactly the settled transfers' amounts, each
    // once (every amount is unique to its transfer), and nothing else.
    const check = async () => {
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
    await check();

    // Resuming or settling again changes nothing.
    assert.equal(await c.transfers.resume(), 0);
    const third = await settleAll();
    assert.deepEqual(third.map((t) => [t.id, t.state, t.ledgerHash]), all.map((t) => [t.id, t.state, t.ledgerHash]));
    await c.rebalancer.idle();
    await check();
  });
});
