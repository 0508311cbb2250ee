/**
 * Which Stellar network the hub settles on. STELLAR_HORIZON_URL selects any Horizon
 * (testnet, pubnet, a quickstart container); without it the hub runs the embedded
 * devnet in process and talks to it over HTTP like any other Horizon, so there is
 * one code path everywhere.
 */
import path from 'node:path';
import { startDevnet } from '@intertrade/devnet';
import { Config } from '../config';

export interface StellarNetwork {
  horizonUrl: string;
  networkPassphrase: string;
  embedded: boolean;
  describe: string;
  /** Resolves when Horizon answers its root resource. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

export const DEVNET_PASSPHRASE = 'Standalone Network ; February 2017';

async function pingHorizon(url: string): Promise<void> {
  const res = await fetch(`${url}/`, { signal: AbortSignal.timeout(3000) });
  if (!res.ok) throw new Error(`Horizon at ${url} answered ${res.status}`);
}

export async function openStellarNetwork(stellar: Config['stellar'], dataDir: string): Promise<StellarNetwork> {
  if (stellar.kind === 'external') {
    return {
      horizonUrl: stellar.horizonUrl,
      networkPassphrase: stellar.networkPassphrase,
      embedded: false,
      describe: `Horizon at ${stellar.horizonUrl} ("${stellar.networkPassphrase}")`,
      ping: () => pingHorizon(stellar.horizonUrl),
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
    ping: () => pingHorizon(running.url),
    close: () => running.close(),
  };
}
