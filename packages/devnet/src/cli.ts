/**
 * `stellar-devnet` (the hub runs it as `intertrade devnet`): the network behind its
 * Horizon API, standalone, so any Stellar tool can point at it; and `startDevnet` for
 * running it inside another program's process.
 */
import { AddressInfo } from 'node:net';
import { Devnet, DevnetOptions } from './network';
import { createHorizonServer } from './horizon/server';

/** The Devnet's options, plus where to listen. */
export interface StartOptions extends DevnetOptions {
  /** 0 picks a free port. Default 8000 (Horizon's). */
  port?: number;
  /** Default 127.0.0.1: the devnet's root secret is public knowledge. */
  host?: string;
}

export interface RunningDevnet {
  devnet: Devnet;
  /** Horizon URL, e.g. http://127.0.0.1:8000 */
  url: string;
  close(): Promise<void>;
}

export async function startDevnet(opts: StartOptions = {}): Promise<RunningDevnet> {
  const { port = 8000, host = '127.0.0.1', ...devnetOpts } = opts;
  const devnet = await Devnet.open(devnetOpts);
  const server = createHorizonServer(devnet);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await devnet.close();
    throw err;
  }
  const addr = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${addr.port}`;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      // Streams never end on their own: drop every connection, then stop the engine.
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await devnet.close();
    })();
    return closing;
  };
  return { devnet, url, close };
}

interface CliArgs extends StartOptions {
  help?: boolean;
}

/** How the command is called in its usage line. */
export interface CliOptions {
  /** Default `stellar-devnet`; the hub runs it as `intertrade devnet`. */
  command?: string;
}

const DEFAULT_COMMAND = 'stellar-devnet';

function usage(command: string): string {
  const head = `usage: ${command} `;
  return `${head}[--port 8000] [--host 127.0.0.1] [--data DIR]
${' '.repeat(head.length)}[--close instant|MS] [--max-ops N] [--passphrase TEXT]`;
}

export function parseDevnetArgs(argv: readonly string[], command = DEFAULT_COMMAND): CliArgs {
  const out: CliArgs = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${usage(command)}`);
      return v;
    };
    const int = (v: string, min: number): number => {
      if (!/^\d+$/.test(v) || Number(v) < min) throw new Error(`${flag}: expected an integer ≥ ${min}, got '${v}'`);
      return Number(v);
    };
    switch (flag) {
      case '--port': out.port = int(value(), 0); break;
      case '--host': out.host = value(); break;
      case '--data': out.dataDir = value(); break;
      case '--close': {
        const v = value();
        out.close = v === 'instant' ? 'instant' : int(v, 1);
        break;
      }
      case '--max-ops': out.maxOpsPerLedger = int(value(), 1); break;
      case '--passphrase': out.passphrase = value(); break;
      case '-h': case '--help': out.help = true; break;
      default: throw new Error(`unknown option '${arg}'\n${usage(command)}`);
    }
  }
  return out;
}

export async function runDevnet(argv: string[], { command = DEFAULT_COMMAND }: CliOptions = {}): Promise<void> {
  let args: CliArgs;
  try {
    args = parseDevnetArgs(argv, command);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exitCode = 2;
    return;
  }
  if (args.help) {
    process.stdout.write(`${usage(command)}\n`);
    return;
  }
  const { help: _help, ...opts } = args;
  const running = await startDevnet(opts);
  const root = running.devnet.rootKeypair();
  process.stdout.write([
    `devnet: Horizon listening on ${running.url}`,
    `  network passphrase: ${running.devnet.passphrase}`,
    `  root account:       ${root.publicKey()}`,
    `  root secret:        ${root.secret()}`,
    `  friendbot:          ${running.url}/friendbot?addr=G…`,
    `  ledger close:       ${opts.close === undefined || opts.close === 'instant' ? 'on every submission' : `every ${opts.close} ms`}`,
    `  data:               ${opts.dataDir ?? '(memory only)'}`,
    '',
  ].join('\n'));
  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stdout.write(`devnet: ${signal}, stopping\n`);
      running.close().then(resolve, (err: unknown) => {
        process.stderr.write(`devnet: error while stopping: ${String(err)}\n`);
        process.exitCode = 1;
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
