/**
 * Embedded PostgreSQL: PGlite (PostgreSQL compiled to WebAssembly) with its data in
 * DATA_DIR, served over a Unix socket by pglite-socket so that the hub talks to it
 * with the same `pg` driver, knex and SQL as to a real server.
 *
 * PGlite is one backend: the socket server multiplexes connections onto it and runs
 * one transaction at a time. Code must therefore never hold a transaction open while
 * waiting on the network or on another connection.
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { ensureDir } from './data-dir';

export interface EmbeddedPostgres {
  connection: { host: string; port: number; user: string; database: string };
  /** Printable description for start-up messages. */
  describe: string;
  stop(): Promise<void>;
}

const SOCKET_PORT = 5432;
// sockaddr_un.sun_path is 108 bytes on Linux, including the terminating NUL.
const MAX_SOCKET_PATH = 107;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Where a running embedded database can be reached, for admin commands run beside the hub. */
function infoFile(dataDir: string): string {
  return path.join(dataDir, 'run', 'pg.json');
}

export function runningEmbeddedPostgres(dataDir: string): EmbeddedPostgres['connection'] | null {
  try {
    return JSON.parse(fs.readFileSync(infoFile(dataDir), 'utf8')) as EmbeddedPostgres['connection'];
  } catch {
    return null;
  }
}

export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const pgDir = path.join(dataDir, 'pg');
  ensureDir(pgDir);
  const db = await PGlite.create({ dataDir: pgDir });
  const socketDir = path.join(dataDir, 'run');
  ensureDir(socketDir);
  const socketPath = path.join(socketDir, `.s.PGSQL.${SOCKET_PORT}`);
  let server: PGLiteSocketServer;
  let connection: EmbeddedPostgres['connection'];
  if (socketPath.length <= MAX_SOCKET_PATH) {
    fs.rmSync(socketPath, { force: true }); // left behind by a crash
    server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 16 });
    connection = { host: socketDir, port: SOCKET_PORT, user: 'postgres', database: 'postgres' };
  } else {
    // Deep DATA_DIR: fall back to loopback TCP, still unreachable from other hosts.
    const port = await freePort();
    server = new PGLiteSocketServer({ db, host: '127.0.0.1', port, maxConnections: 16 });
    connection = { host: '127.0.0.1', port, user: 'postgres', database: 'postgres' };
  }
  await server.start();
  fs.writeFileSync(infoFile(dataDir), JSON.stringify(connection), { mode: 0o600 });
  return {
    connection,
    describe: `embedded PostgreSQL (PGlite) in ${pgDir}`,
    async stop() {
      fs.rmSync(infoFile(dataDir), { force: true });
      await server.stop();
      await db.close();
    },
  };
}
