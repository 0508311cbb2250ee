/**
 * Durability: the fsync'd ledger log and snapshots (persistence.ts) directly, then a
 * devnet restarted in process, then `stellar-devnet --data …` killed with SIGKILL
 * mid-traffic — no answered transaction may be lost, and a torn log tail is repaired.
 */
import { strict as assert } from 'node:assert';
import { ChildProcess, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Asset, Horizon, Keypair, Operation, TransactionBuilder } from '@stellar/stellar-sdk';
import { ClosedLedger } from '../src/history/records';
import { LedgerLog, decode, encode, restore } from '../src/persistence';
import { AccountEntry } from '../src/state/entries';
import { LedgerState } from '../src/state/ledger-state';
import { startTestNetwork } from '../src/testing';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'devnet-persist-'));
}

function account(id: string, balance: bigint): Omit<AccountEntry, 'lastModified'> {
  return {
    accountId: id, balance, seqNum: 1n << 32n, seqLedger: 0, seqTime: 0n, numSubEntries: 0, inflationDest: null,
    flags: 0, homeDomain: '', thresholds: [1, 0, 0, 0], signers: [], buyingLiabilities: 0n,
    sellingLiabilities: 0n, numSponsored: 0, numSponsoring: 0, sponsor: null,
  };
}

function closedLedger(seq: number, txHash: string): ClosedLedger {
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, seq)).toISOString().replace('.000', '');
  return {
    ledger: {
      sequence: seq, hash: seq.toString(16).padStart(64, '0'), prevHash: '', closedAt: at,
      successfulTransactionCount: 1, failedTransactionCount: 0, operationCount: 1, txSetOperationCount: 1,
      totalCoins: 1000000000000000000n, feePool: BigInt(seq * 100), baseFee: 100, baseReserve: 5000000n,
      maxTxSetSize: 1000, protocolVersion: 21, headerXdr: '',
    },
    transactions: [{
      hash: txHash, ledger: seq, applicationOrder: 1, pagingToken: ((BigInt(seq) << 32n) | (1n << 12n)).toString(),
      successful: true, sourceAccount: 'GA', sourceAccountSequence: '1', feeAccount: 'GA', feeCharged: 100n,
      maxFee: 100n, operationCount: 1, envelopeXdr: '', resultXdr: '', resultMetaXdr: '', feeMetaXdr: '',
      memoType: 'text', memo: '\u0001 tagged-looking memo', signatures: [], createdAt: at,
    }],
    operations: [],
    effects: [],
    trades: [],
  };
}

describe('devnet persistence: the ledger log', () => {
  let dir: string;
  beforeEach(() => { dir = tmpDir(); });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('round-trips bigints, Buffers and strings that look like tags', () => {
    const v = { a: 2n ** 63n - 1n, b: Buffer.from([0, 1, 255]), s: '\u0001n5', n: null, list: [-5n] };
    const back = decode<typeof v>(encode(v));
    assert.equal(back.a, 2n ** 63n - 1n);
    assert.deepEqual([...back.b], [0, 1, 255]);
    assert.equal(back.s, '\u0001n5');
    assert.deepEqual(back.list, [-5n]);
  });

  it('replays appended ledgers after a snapshot and keeps the whole history', async () => {
    const st = new LedgerState();
    const log = await LedgerLog.open(dir);
    for (let seq = 2; seq <= 5; seq++) {
      st.ledgerSeq = seq;
      st.putAccount(account(`G${seq}`, BigInt(seq) * 10_000_000n));
      st.putData({ accountId: `G${seq}`, name: 'k', value: Buffer.from([seq]), sponsor: null });
      if (seq === 3) log.writeSnapshot({ ledgerSeq: 3, idPool: st.idPool, state: st.snapshot() });
      log.append({ closed: closedLedger(seq, `${seq}`.repeat(64).slice(0, 64)), changes: st.takeChanges(), idPool: st.idPool });
    }
    // A newer snapshot (state after ledger 5) supersedes the first; one ledger follows it.
    log.writeSnapshot({ ledgerSeq: 5, idPool: st.idPool, state: st.snapshot() });
    st.ledgerSeq = 6;
    st.deleteAccount('G2');
    log.append({ closed: closedLedger(6, 'f'.repeat(64)), changes: st.takeChanges(), idPool: st.idPool });
    log.close();

    const again = await LedgerLog.open(dir);
    const { state, history, last } = restore(again.load());
    again.close();
    assert.equal(last?.sequence, 6);
    assert.equal(state.getAccount('G2'), undefined, 'deletion after the snapshot replayed');
    assert.equal(state.getAccount('G5')?.balance, 50_000_000n);
    assert.deepEqual([...state.getData('G4', 'k')!.value], [4]);
    assert.equal(history.counts().ledgers, 5);
    assert.equal(history.transaction('f'.repeat(64))?.memo, '\u0001 tagged-looking memo');
    assert.equal(history.latestLedger()?.feePool, 600n);
  });

  it('truncates a torn last record (a write cut short by kill -9) and keeps appending', async () => {
    const st = new LedgerState();
    const log = await LedgerLog.open(dir);
    st.putAccount(account('GX', 1n));
    log.append({ closed: closedLedger(2, 'a'.repeat(64)), changes: st.takeChanges(), idPool: 0n });
    log.close();
    const file = path.join(dir, 'ledgers.log');
    const good = fs.statSync(file).size;
    fs.appendFileSync(file, '{"closed":{"ledger":{"sequence":3,"ha');

    const reopened = await LedgerLog.open(dir);
    assert.equal(fs.statSync(file).size, good, 'torn tail cut off');
    const loaded = reopened.load();
    assert.equal(loaded.entries.length, 1);
    reopened.append({ closed: closedLedger(3, 'b'.repeat(64)), changes: [], idPool: 0n });
    reopened.close();
    const third = await LedgerLog.open(dir);
    assert.deepEqual(third.load().entries.map((e) => e.closed.ledger.sequence), [2, 3]);
    third.close();
  });

  it('locks the data directory against a second live process, and takes over a dead one', async () => {
    fs.writeFileSync(path.join(dir, 'LOCK'), '1'); // pid 1 is always alive
    await assert.rejects(LedgerLog.open(dir), /in use by process 1/);
    const gone = spawn(process.execPath, ['-e', '0']);
    await new Promise((r) => gone.once('exit', r));
    fs.writeFileSync(path.join(dir, 'LOCK'), String(gone.pid));
    const log = await LedgerLog.open(dir);
    assert.equal(fs.readFileSync(path.join(dir, 'LOCK'), 'utf8'), String(process.pid));
    log.close();
    assert.equal(fs.existsSync(path.join(dir, 'LOCK')), false);
  });

  it('refuses to start on a corrupt record in the middle of the log', async () => {
    const log = await LedgerLog.open(dir);
    log.append({ closed: closedLedger(2, 'a'.repeat(64)), changes: [], idPool: 0n });
    log.close();
    const file = path.join(dir, 'ledgers.log');
    const text = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, `{"broken\n${text}`);
    await assert.rejects(LedgerLog.open(dir), /corrupt/);
  });
});

describe('devnet persistence: restart', function () {
  this.timeout(60_000);
  let dir: string;
  before(() => { dir = tmpDir(); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('keeps balances, offers and history across a clean restart', async () => {
    const alice = Keypair.random();
    const bob = Keypair.random();
    let hash: string;
    let ledger: number;
    {
      const net = await startTestNetwork({ dataDir: dir });
      try {
        await net.fund(alice);
        await net.fund(bob, '100');
        const res = await net.submit(alice, [
          Operation.payment({ destination: bob.publicKey(), asset: Asset.native(), amount: '12.5' }),
          Operation.manageData({ name: 'note', value: 'kept' }),
        ]);
        hash = res.hash;
        ledger = res.ledger;
      } finally {
        await net.close();
      }
    }
    const net = await startTestNetwork({ dataDir: dir });
    try {
      const b = await net.server.loadAccount(bob.publicKey());
      assert.equal(b.balances.find((x) => x.asset_type === 'native')?.balance, '112.5000000');
      const a = await net.server.loadAccount(alice.publicKey());
      assert.equal(Buffer.from(a.data_attr.note, 'base64').toString(), 'kept');
      const tx = await net.server.transactions().transaction(hash).call();
      assert.equal(tx.ledger_attr, ledger);
      const pays = await net.server.payments().forAccount(bob.publicKey()).call();
      assert.deepEqual(pays.records.map((p) => p.type), ['create_account', 'payment']);
      // The network keeps closing ledgers after the restored ones.
      const more = await net.submit(alice, [Operation.bumpSequence({ bumpTo: '0' })]);
      assert.ok(more.ledger > ledger);
    } finally {
      await net.close();
    }
  });
});

/** Runs `stellar-devnet` (this package's bin) as a child and waits for its URL. */
async function spawnDevnet(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, ['bin/stellar-devnet.js', '--port', '0', '--data', dataDir], {
    cwd: path.resolve(__dirname, '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (c: Buffer) => { err += c.toString(); });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`devnet did not start: ${out}${err}`)), 30_000);
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`devnet exited with ${code}: ${out}${err}`));
    });
  });
  return { child, url };
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGKILL');
  });
}

describe('devnet persistence: kill -9', function () {
  this.timeout(120_000);
  let dir: string;
  let child: ChildProcess | undefined;
  before(() => { dir = tmpDir(); });
  afterEach(async () => {
    if (child) await killed(child);
    child = undefined;
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('loses no answered transaction when the process is killed mid-traffic, and repairs a torn tail', async () => {
    let started = await spawnDevnet(dir);
    child = started.child;
    let server = new Horizon.Server(started.url, { allowHttp: true });
    const root = await server.root();
    const passphrase = root.network_passphrase;
    const payers = [Keypair.random(), Keypair.random(), Keypair.random()];
    const sink = Keypair.random();
    for (const k of [...payers, sink]) await server.friendbot(k.publicKey()).call();
    const stroops = (b: string): bigint => BigInt(b.replace('.', ''));
    const sinkStart = stroops((await server.loadAccount(sink.publicKey())).balances[0].balance);

    // Three payers submit one payment after another until the process is killed.
    const answered: string[] = [];
    let stop = false;
    const payLoop = async (payer: Keypair): Promise<void> => {
      const acc = await server.loadAccount(payer.publicKey());
      while (!stop) {
        const tx = new TransactionBuilder(acc, { fee: '100', networkPassphrase: passphrase })
          .addOperation(Operation.payment({ destination: sink.publicKey(), asset: Asset.native(), amount: '1' }))
          .setTimeout(0).build();
        tx.sign(payer);
        try {
          const res = await server.submitTransaction(tx, { skipMemoRequiredCheck: true });
          answered.push(res.hash);
        } catch {
          return; // the connection died with the process
        }
      }
    };
    const loops = payers.map(payLoop);
    while (answered.length < 30) await new Promise((r) => setTimeout(r, 5));
    await killed(child);
    stop = true;
    await Promise.all(loops);
    assert.ok(answered.length >= 30);

    // A torn record at the end of the log, as if the kill had landed mid-write.
    fs.appendFileSync(path.join(dir, 'ledgers.log'), '{"closed":{"ledger":{"sequ');

    started = await spawnDevnet(dir);
    child = started.child;
    server = new Horizon.Server(started.url, { allowHttp: true });
    for (const hash of answered) {
      const tx = await server.transactions().transaction(hash).call();
      assert.equal(tx.successful, true, `answered transaction ${hash} survived`);
    }
    // Every payment in history is reflected in the balance: state and history agree.
    const pays = await server.payments().forAccount(sink.publicKey()).limit(200).call();
    const received = pays.records.filter((p) => p.type === 'payment').length;
    assert.ok(received >= answered.length);
    const sinkAcc = await server.loadAccount(sink.publicKey());
    assert.equal(stroops(sinkAcc.balances[0].balance), sinkStart + BigInt(received) * 10_000_000n);
    // And the restarted network accepts new work from where it stopped.
    const acc = await server.loadAccount(payers[0].publicKey());
    const tx = new TransactionBuilder(acc, { fee: '100', networkPassphrase: passphrase })
      .addOperation(Operation.payment({ destination: sink.publicKey(), asset: Asset.native(), amount: '1' }))
      .setTimeout(0).build();
    tx.sign(payers[0]);
    const res = await server.submitTransaction(tx, { skipMemoRequiredCheck: true });
    assert.equal(res.successful, true);
  });
});
