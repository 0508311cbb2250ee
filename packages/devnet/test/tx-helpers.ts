/**
 * Submitting through @stellar/stellar-sdk and reading back what Horizon answered,
 * for the transaction and account-operation tests.
 */
import {
  Account, FeeBumpTransaction, Horizon, Keypair, Memo, Transaction, TransactionBuilder, xdr,
} from '@stellar/stellar-sdk';
import { TestNetwork } from '../src/testing';

export interface Answer {
  ok: boolean;
  status: number;
  transaction: string;
  operations?: string[];
  innerTransaction?: string;
  hash?: string;
  resultXdr?: string;
  ledger?: number;
}

/** Submit and turn a 400 into data instead of an exception. */
export async function answer(net: TestNetwork, tx: Transaction | FeeBumpTransaction): Promise<Answer> {
  try {
    const r = await net.server.submitTransaction(tx, { skipMemoRequiredCheck: true });
    return { ok: true, status: 200, transaction: 'tx_success', hash: r.hash, resultXdr: r.result_xdr, ledger: r.ledger };
  } catch (err) {
    const res = (err as { response?: { status: number; data: Record<string, unknown> } }).response;
    if (!res) throw err;
    const extras = (res.data.extras ?? {}) as {
      result_codes?: { transaction: string; operations?: string[]; inner_transaction?: string };
      hash?: string; result_xdr?: string;
    };
    const codes = extras.result_codes ?? { transaction: String(res.data.type) };
    return {
      ok: false, status: res.status, transaction: codes.transaction, operations: codes.operations,
      innerTransaction: codes.inner_transaction, hash: extras.hash, resultXdr: extras.result_xdr,
    };
  }
}

export interface BuildOptions {
  fee?: number;
  /** Overrides the account's next sequence number (the value the tx carries). */
  seq?: bigint;
  timebounds?: { minTime: number; maxTime: number };
  memo?: Memo;
  signers?: Keypair[];
  /** Sign with the source too (default true). */
  signSource?: boolean;
}

/** A transaction from `source` (loaded over HTTP unless `seq` is given). */
export async function build(
  net: TestNetwork, source: Keypair, ops: xdr.Operation[], o: BuildOptions = {},
): Promise<Transaction> {
  const seq = o.seq !== undefined
    ? (o.seq - 1n).toString()
    : (await net.server.loadAccount(source.publicKey())).sequenceNumber();
  const b = new TransactionBuilder(new Account(source.publicKey(), seq), {
    fee: String(o.fee ?? 100), networkPassphrase: net.passphrase,
    ...(o.timebounds ? { timebounds: o.timebounds } : {}),
    ...(o.memo ? { memo: o.memo } : {}),
  });
  if (!o.timebounds) b.setTimeout(0);
  for (const op of ops) b.addOperation(op);
  const tx = b.build();
  if (o.signSource !== false) tx.sign(source);
  for (const s of o.signers ?? []) tx.sign(s);
  return tx;
}

export async function send(
  net: TestNetwork, source: Keypair, ops: xdr.Operation[], o: BuildOptions = {},
): Promise<Answer> {
  return answer(net, await build(net, source, ops, o));
}

export function feeBump(
  net: TestNetwork, feeSource: Keypair, inner: Transaction, fee: number, sign = true,
): FeeBumpTransaction {
  const fb = TransactionBuilder.buildFeeBumpTransaction(feeSource, String(fee), inner, net.passphrase);
  if (sign) fb.sign(feeSource);
  return fb;
}

/** A fee bump with an exact total fee, below what the SDK's builder allows. */
export function rawFeeBump(net: TestNetwork, feeSource: Keypair, inner: Transaction, totalFee: number): FeeBumpTransaction {
  const tx = new xdr.FeeBumpTransaction({
    feeSource: xdr.MuxedAccount.keyTypeEd25519(feeSource.rawPublicKey()),
    fee: xdr.Int64.fromString(String(totalFee)),
    innerTx: xdr.FeeBumpTransactionInnerTx.envelopeTypeTx(inner.toEnvelope().v1()),
    ext: new xdr.FeeBumpTransactionExt(0),
  });
  const env = xdr.TransactionEnvelope.envelopeTypeTxFeeBump(new xdr.FeeBumpTransactionEnvelope({ tx, signatures: [] }));
  const fb = new FeeBumpTransaction(env, net.passphrase);
  fb.sign(feeSource);
  return fb;
}

/** Native balance in stroops, over HTTP. */
export async function xlm(net: TestNetwork, id: string): Promise<bigint> {
  const acc = await net.server.loadAccount(id);
  const b = acc.balances.find((x) => x.asset_type === 'native')!;
  return stroops(b.balance);
}

export function stroops(amount: string): bigint {
  const [i, f = ''] = amount.split('.');
  return BigInt(i) * 10_000_000n + BigInt((f + '0000000').slice(0, 7));
}

export async function account(net: TestNetwork, id: string): Promise<Horizon.AccountResponse> {
  return net.server.loadAccount(id);
}

/** A fresh funded account with `xlm` lumens (from root). */
export async function funded(net: TestNetwork, amount = '100'): Promise<Keypair> {
  const k = Keypair.random();
  await net.fund(k, amount);
  return k;
}
