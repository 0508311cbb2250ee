/**
 * Run `bin/intertrade.js` as a child process, the way an operator does, and wait for
 * a line on its stdout. Every child is killed when the test run ends.
 */
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const BIN = path.resolve(__dirname, '../../bin/intertrade.js');
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

export interface Running {
  child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `re` in stdout+stderr, or rejects after `ms`. */
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

export function runIntertrade(args: string[], env: Record<string, string>): Running {
  // A clean environment: only what the test gives, plus what node needs to run.
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    children.delete(child);
    for (const l of listeners) l();
    resolve(code);
  }));
  return {
    child,
    output: () => out,
    exited,
    waitFor(re, ms = 30000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const m = out.match(re);
          if (m) {
            cleanup();
            resolve(m);
          } else if (child.exitCode !== null) {
            cleanup();
            reject(new Error(`process exited (${child.exitCode}) before ${re}:\n${out}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`timed out after ${ms} ms waiting for ${re}:\n${out}`));
        }, ms);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
  };
}

/** Packages whose loading makes a start slow: the database, the ledger, the HTTP server, the logs. */
export const HUB_PACKAGES = ['knex', 'objection', 'pg', '@electric-sql/pglite', '@stellar/stellar-sdk', 'koa', '@koa/router', 'prom-client', 'pino', 'hawk', 'jose'];

/**
 * Runs `intertrade <args>` in a child (the sources through tsx, or a compiled cli.js) and
 * answers which packages it loaded (bare require() names) besides its output.
 */
export function packagesLoaded(args: string[], opts: { cli?: string; env?: Record<string, string> } = {}): Promise<{ code: number | null; output: string; loaded: string[] }> {
  const root = path.resolve(__dirname, '../..');
  const cli = opts.cli ?? path.join(root, 'src/cli.ts');
  const probe = `
    const M = require('node:module');
    const seen = new Set();
    const req = M.prototype.require;
    M.prototype.require = function (id) { if (!/^(node:|\\.|\\/)/.test(id)) seen.add(id); return req.apply(this, arguments); };
    process.on('exit', () => process.stderr.write('\\nLOADED ' + JSON.stringify([...seen]) + '\\n'));
    ${opts.cli ? '' : "require('tsx/cjs');"}
    require(${JSON.stringify(cli)}).main(${JSON.stringify(args)});`;
  const child = spawn(process.execPath, ['-e', probe], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  return new Promise((resolve) => child.on('close', (code) => {
    const m = out.match(/\nLOADED (.*)\n$/);
    resolve({ code, output: m ? out.slice(0, m.index) : out, loaded: m ? (JSON.parse(m[1]) as string[]) : [] });
  }));
}
