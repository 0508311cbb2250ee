/**
 * Which Stellar network the hub settles on. STELLAR_HORIZON_URL selects any Horizon
 * (testnet, pubnet, a quickstart container); without it the hub runs the embedded
 * devnet in process and talks to it over HTTP like any other Horizon, so there is
 * one code path everywhere.
 */
import path from 'node:path';
import { startDevnet } from '@intertrade/devnet';
import { Config } from '../config';
import { Unavailable, reasonOf } from '../unavailable';

export interface StellarNetwork {
  horizonUrl: string;
  networkPassphrase: string;
  embedded: boolean;
  describe: string;
  /** Resolves when Horizon answers its root resource; else an Unavailable naming it and why. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const DEVNET_PASSPHRASE = 'Standalone Network ; February 2017';

/** Readiness asks Horizon within this. */
const PING_TIMEOUT_MS = 3000;

/** "the Stellar network (Horizon at URL)", or the embedded devnet's, as a person names what is down. */
export const networkName = (url: string, embedded: boolean): string =>
  embedded ? `the embedded Stellar devnet (Horizon API at ${url})` : `the Stellar network (Horizon at ${url})`;

async function pingHorizon(url: string, embedded: boolean): Promise<void> {
  const down = (why: string, cause?: unknown) => new Unavailable('ledger', `${networkName(url, embedded)} does not answer: ${why}`, 5, { cause });
  let res: Response;
  try {
    res = await fetch(`${url}/`, { signal: AbortSignal.timeout(PING_TIMEOUT_MS) });
  } catch (err) {
    throw down((err as Error).name === 'TimeoutError' ? `no answer within ${PING_TIMEOUT_MS} ms` : reasonOf(err), err);
  }
  await res.body?.cancel();
  if (!res.ok) throw down(`it answered HTTP ${res.status}`);
}

export async function openStellarNetwork(stellar: Config['stellar'], dataDir: string): Promise<StellarNetwork> {
  if (stellar.kind === 'external') {
    return {
      horizonUrl: stellar.horizonUrl,
      networkPassphrase: stellar.networkPassphrase,
      embedded: false,
      describe: `Horizon at ${stellar.horizonUrl} ("${stellar.networkPassphrase}")`,
      ping: () => pingHorizon(stellar.horizonUrl, false),
      close: async () => {},
    };
  }
  const running = await startDevnet({
    port: stellar.port,
    dataDir: path.join(dataDir, 'devnet'),
    close: stellar.close,
  });
  return {
    horizonUrl: running.url,
    networkPassphrase: running.devnet.passphrase,
    embedded: true,
    describe: `embedded devnet, Horizon API at ${running.url} ("${running.devnet.passphrase}", ` +
      `ledgers ${stellar.close === 'instant' ? 'close on every submission' : `close every ${stellar.close} ms`})`,
    ping: () => pingHorizon(running.url, true),
    close: () => running.close(),
  };
}
