/**
 * What every governance command of the CLI is made of, the hub's own and those a
 * protocol contributes: an HTTP client of the running hub's governance API, argument
 * parsing that answers usage errors, and plain-text tables.
 */
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import { ClientConfig } from '../config';
import { tokenFile } from './auth';
import { BASE_PATH } from './openapi';
import { RateBody } from './schemas/common';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

/** A command line that does not say what it should: answered with the usage (exit 2). */
export class Usage extends Error {}

/** An error answer of the hub, as the API gave it. */
export class ApiFailure extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly field?: string) {
    super(message);
  }
}

export type Json = Record<string, unknown>;

/** Calls the governance API of the hub at HUB_URL with the CLI's token. */
export function client(config: ClientConfig): Api {
  let token: string | null | undefined;
  const bearer = (): string => {
    if (token === undefined) {
      const file = tokenFile(config.dataDir);
      token = config.governanceToken?.reveal() ?? (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').trim() : null);
    }
    if (!token) {
      throw new ApiFailure(0, 'no_token', `no governance token: set GOVERNANCE_TOKEN, or run beside an embedded hub whose DATA_DIR holds ${tokenFile(config.dataDir)}`);
    }
    return token;
  };
  return async <T = Json>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> => {
    const url = `${config.hubUrl}${BASE_PATH}${path}`;
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { authorization: `Bearer ${bearer()}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      if (err instanceof ApiFailure) throw err;
      throw new ApiFailure(0, 'unreachable', `cannot reach the hub at ${config.hubUrl} (${(err as Error).cause ?? (err as Error).message}); is it running? Set HUB_URL to its address`);
    }
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // Not the hub's JSON (a proxy's page?): reported below with the status.
    }
    if (!res.ok) {
      const e = (parsed as { error?: { code?: string; message?: string; field?: string } } | null)?.error;
      throw new ApiFailure(res.status, e?.code ?? 'http_error', e?.message ?? `the hub answered ${res.status} ${res.statusText}`, e?.field);
    }
    return parsed as T;
  };
}


/** "1/10" or "3" → {n, d}; the hub checks the range. */
export function parseRate(text: string): RateBody {
  const m = /^(\d+)(?:\/(\d+))?$/.exec(text);
  if (!m) throw new Usage(`rate must be N/D with positive integers, e.g. 1/10 (got "${text}")`);
  return { n: Number(m[1]), d: Number(m[2] ?? '1') };
}

export const rateText = (r: RateBody) => `${r.n}/${r.d}`;

export function parse(args: string[], options: Record<string, { type: 'string' | 'boolean' }>, positionals: string[]) {
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new Usage((err as Error).message);
  }
  if (parsed.positionals.length !== positionals.length) {
    throw new Usage(`expected ${positionals.length ? positionals.join(' ') : 'no arguments'}, got ${parsed.positionals.length ? parsed.positionals.join(' ') : 'none'}`);
  }
  const values = parsed.values as Record<string, string | boolean | undefined> as Record<string, string | undefined>;
  return { values, args: parsed.positionals };
}

export const table = (rows: string[][]): string[] => {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  '));
};


export type Api = <T = Json>(method: string, path: string, body?: unknown, headers?: Record<string, string>) => Promise<T>;

export interface CliContext {
  /** The words after the command's name. */
  args: string[];
  /** The command's second word ("block" in "exchange block"), '' for one-word commands. */
  sub: string;
  api: Api;
  io: CliIo;
}

/** One governance command: the words that name it ("exchange approve", "transfer") and what it does. */
export interface CliCommand {
  name: string;
  run(ctx: CliContext): Promise<number>;
}

/** Commands and the lines of usage that describe them (a protocol contributes one such set). */
export interface CliCommands {
  usage: string;
  commands: CliCommand[];
}

export const command = (name: string, run: CliCommand['run']): CliCommand => ({ name, run });
