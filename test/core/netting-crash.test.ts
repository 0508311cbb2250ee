/**
 * A hub process killed with SIGKILL in the middle of a netting run — the instant its
 * clearing transaction has applied on the ledger and before it hears back, or at a
 * random moment between its preview and its run — never leaves the ledger and the
 * records apart: whoever opens the database next finishes the run from what the ledger
 * knows of its recorded hashes, its record says exactly what the ledger cleared, and no
 * member balance or net position moved.
 *
 * The devnet runs here, in the test process, so it outlives the killed child
 * (test/fixtures/netting-crash-child.ts), which owns the database while it runs.
 */
import assert from 'node:assert/strict';
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { TestNetwork, startTestNetwork } from '@intertrade/devnet/testing';
import { currencyOf } from '../../src/core/communities/currency';
import { Community } from '../../src/core/communities/model';
import { checkEveryBook } from '../../src/core/rebalancer';
import { isTransferError } from '../../src/core/transfers/errors';
import { Party } from '../../src/core/transfers/service';
import { TEST_MASTER_KEY, TestDatabase, createTestDatabase } from '../helpers/db';
import { HubCore, openHubCore } from '../fixtures/hub-core';

const CHILD = path.resolve(__dirname, '../fixtures/netting-crash-child.ts');
const CHANNELS = 2;
const units = (s: string) => BigInt(s) * 10_000_000n;

const children = new Set<ChildProcess>();
process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); });

function startVictim(env: object): { child: ChildProcess; ready: Promise<void>; exited: Promise<{ signal: NodeJS.Signals | null; code: number | null; output: string }> } {
  const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), CHILD], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', NETTING_CRASH: JSON.stringify(env) },
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
  const exited = new Promise<{ signal: NodeJS.Signals | null; code: number | null; output: string }>((resolve) => {
    child.once('exit', (code, signal) => {
      children.delete(child);
      onReady();
      resolve({ code, signal, output });
    });
  });
  return { child, ready, exited };
}

describe('a kill -9 in the middle of a netting run', function () {
  this.timeout(180000);
  let net: TestNetwork;
  let tdb: TestDatabase;
  let core: HubCore | null = null;

  before(async () => {
    net = await startTestNetwork();
    tdb = await createTestDatabase();
  });
  after(async () => {
    for (const c of children) c.kill('SIGKILL');
    await core?.close();
    await net?.close();
    await tdb?.drop();
  });

  const open = () => openHubCore({ horizonUrl: net.url, dataDir: tdb.dataDir, databaseUrl: tdb.databaseUrl, masterKey: TEST_MASTER_KEY, channels: CHANNELS });

  it('finishes the run from the ledger, its record equal to what the ledger cleared, nothing else moved', async () => {
    core = await open();
    // A ring of five: each community accepts the HOUR of the one before it.
    const cs: Community[] = [];
    for (let i = 0; i < 5; i++) cs.push(await core.community(`NK${i}1`));
    for (let i = 0; i < 5; i++) assert.ok(typeof await core.creditLines.set(cs[(i + 1) % 5], cs[i], '500', 'test') !== 'string');
    const members: Party[] = [];
    for (const c of cs) members.push(await core.member(c, '1000', '5000'));
    for (const c of cs) await core.netting.setSettings(c, { optedIn: true, cap: null }, 'test');

    /** What `creditor`'s trader holds of `debtor`'s HOUR, on the ledger (HOUR stroops). */
    const held = async (c: HubCore, creditor: Community, debtor: Community) =>
      (await c.ledger.traderLines(currencyOf(creditor))).find((l) => l.externalIssuer === debtor.ledgerAccounts.externalIssuer)?.balance ?? 0n;
    const ring = async (c: HubCore) => Promise.all(cs.map((x, i) => held(c, cs[(i + 1) % 5], x)));

    for (const [round, kill] of [[1, 'applied'], [2, 'random']] as const) {
      // Trade around the ring: every position grows, the smallest bounds the loop.
      const c0: HubCore = core!;
      for (const [i, amount] of [[0, 40], [1, 30], [2, 50], [3, 20], [4, 60]] as const) {
        const t = await c0.transfers.settle({ idempotencyKey: `test|netting-crash|${randomUUID()}`, payer: members[i], payee: members[(i + 1) % 5], amount: units(String(amount)) });
        assert.ok(!isTransferError(t) && t.state === 'settled', `round ${round}, payment ${i}`);
      }
      await c0.rebalancer.idle();
      const balances = await Promise.all(members.map((m) => c0.accounts.balance(m.community, m.account)));
      const before = await ring(c0);
      const runsBefore = new Set((await c0.netting.runs(500)).map((r) => r.id));
      await c0.close();
      core = null;

      const victim = startVictim({ horizonUrl: net.url, dataDir: tdb.dataDir, databaseUrl: tdb.databaseUrl, masterKey: TEST_MASTER_KEY, channels: CHANNELS, runs: 3 });
      await victim.ready;
      let timer: NodeJS.Timeout | undefined;
      const onLedger = (l: { transactions: unknown[] }) => { if (l.transactions.length > 0) victim.child.kill('SIGKILL'); };
      // 'applied': at the first ledger that applies anything (the clearing, before its
      // answer is sent); 'random': anywhere from before the preview to after the run.
      if (kill === 'applied') net.devnet.on('ledger', onLedger);
      else timer = setTimeout(() => victim.child.kill('SIGKILL'), Math.floor(Math.random() * 600));
      const r = await victim.exited;
      net.devnet.off('ledger', onLedger);
      clearTimeout(timer);
      if (kill === 'applied') assert.equal(r.signal, 'SIGKILL', `the child was killed, not finished:\n${r.output}`);
      else assert.ok(r.signal === 'SIGKILL' || r.code === 0, `the child failed:\n${r.output}`);

      // Recovery, as the hub's start does it.
      core = await open();
      const c = core;
      await c.netting.resume();
      checkEveryBook(c.rebalancer, await c.communities.list()); // as the hub's start does (a kill may have cut a rebalance short)
      const runs = (await c.netting.runs(500)).filter((x) => !runsBefore.has(x.id));
      if (kill === 'applied') assert.ok(runs.length > 0, 'the child had begun a run');
      let cleared = 0n;
      const clearedOf = new Map<string, bigint>();
      for (const run of runs) {
        assert.notEqual(run.state, 'running', `run ${run.id} is finished after resume()`);
        const [row] = await c.db.owner('netting_runs').where({ id: run.id });
        let applied = 0n;
        for (const [g, group] of (row.plan as Array<{ legs: Array<{ debtor: string; creditor: string; amount: string }> }>).entries()) {
          let ok = false;
          for (const h of run.hashes.filter((x) => x.startsWith(`${g}:`))) if ((await c.ledger.findTransaction(h.slice(h.indexOf(':') + 1)))?.successful) ok = true;
          if (!ok) continue;
          for (const l of group.legs) {
            applied += BigInt(l.amount);
            clearedOf.set(`${l.debtor}>${l.creditor}`, (clearedOf.get(`${l.debtor}>${l.creditor}`) ?? 0n) + BigInt(l.amount));
          }
        }
        assert.equal(run.cleared, applied, `run ${run.state}: recorded ${run.cleared}, on the ledger ${applied}`);
        cleared += applied;
      }
      if (kill === 'applied') assert.ok(cleared > 0n, 'the transaction the child was killed after is counted');
      // Each position fell by what the recorded, applied transactions cleared of it; nothing else moved.
      const after = await ring(c);
      assert.deepEqual(after, before.map((b, i) => b - (clearedOf.get(`${cs[i].id}>${cs[(i + 1) % 5].id}`) ?? 0n)), `round ${round}: positions`);
      assert.deepEqual(await Promise.all(members.map((m) => c.accounts.balance(m.community, m.account))), balances, `round ${round}: balances`);
      await c.rebalancer.idle();
      const drift = await c.reconciler.run({ repair: false });
      assert.deepEqual(drift.filter((d) => cs.some((x) => x.code === d.community)), [], `round ${round}: drift`);
    }
  });
});
