/**
 * @intertrade/devnet/testing: a devnet per test suite, reached only through
 * @stellar/stellar-sdk over HTTP.
 *
 *   const net = await startTestNetwork();
 *   const alice = Keypair.random();
 *   await net.fund(alice);                  // friendbot (10,000 XLM)
 *   await net.fund(bob, '25');              // createAccount from root with 25 XLM
 *   const acc = await net.server.loadAccount(alice.publicKey());
 *   …
 *   await net.close();                      // in an after() hook
 */
import { Asset, Horizon, Keypair, Operation, TransactionBuilder, xdr } from '@stellar/stellar-sdk';
import { Devnet } from './network';
import { StartOptions, startDevnet } from './cli';

export interface TestNetwork {
  url: string;
  devnet: Devnet;
  server: Horizon.Server;
  passphrase: string;
  root: Keypair;
  /** Creates the account: through friendbot, or from root with `xlm` (a decimal string or number). */
  fund(account: Keypair | string, xlm?: string | number): Promise<Horizon.HorizonApi.SubmitTransactionResponse>;
  /** Builds, signs (source + `signers`) and submits one transaction from `source`. */
  submit(source: Keypair, ops: xdr.Operation[], signers?: Keypair[]): Promise<Horizon.HorizonApi.SubmitTransactionResponse>;
  close(): Promise<void>;
}

/** Memory-only unless `dataDir` is given; instant close unless `close` says otherwise. */
export async function startTestNetwork(opts: Omit<StartOptions, 'port' | 'host'> = {}): Promise<TestNetwork> {
  const running = await startDevnet({ ...opts, port: 0, host: '127.0.0.1' });
  const server = new Horizon.Server(running.url, { allowHttp: true });
  const passphrase = running.devnet.passphrase;
  const root = running.devnet.rootKeypair();

  const submit: TestNetwork['submit'] = async (source, ops, signers = []) => {
    const account = await server.loadAccount(source.publicKey());
    const b = new TransactionBuilder(account, { fee: '100', networkPassphrase: passphrase }).setTimeout(0);
    for (const op of ops) b.addOperation(op);
    const tx = b.build();
    tx.sign(source, ...signers);
    return server.submitTransaction(tx, { skipMemoRequiredCheck: true });
  };

  const fund: TestNetwork['fund'] = async (account, xlm) => {
    const id = typeof account === 'string' ? account : account.publicKey();
    if (xlm === undefined) {
      return (await server.friendbot(id).call()) as unknown as Horizon.HorizonApi.SubmitTransactionResponse;
    }
    return submit(root, [Operation.createAccount({ destination: id, startingBalance: String(xlm) })]);
  };

  return { url: running.url, devnet: running.devnet, server, passphrase, root, fund, submit, close: running.close };
}

/** Asset helper for tests: `credit('USD', issuer)`. */
export function credit(code: string, issuer: Keypair): Asset {
  return new Asset(code, issuer.publicKey());
}
