/**
 * The wire protocols the hub speaks. Each one is a folder here of the same shape (see
 * README.md) and plugs in through one factory: it gets the core services, registers
 * the delivery kinds it delivers (relays, notifies), and returns its HTTP routes. The
 * composition root (src/app.ts) mounts the routes; core never imports a protocol.
 */
import Router from '@koa/router';
import { Config } from '../src/config';
import { Core } from '../src/app';
import { Database } from '../src/db/database';
import { Ledger } from '../src/core';
import { Logger } from '../src/logger';
import { HttpState, PathOwner } from '../src/http/server';
import { createCxpProtocol } from './cxp';
import { createKomunitin } from './komunitin';

export interface ProtocolDeps extends Core {
  config: Config;
  db: Database;
  ledger: Ledger;
  logger: Logger;
  /** Where this hub is reached from outside (PUBLIC_URL, or the listening URL). */
  publicUrl(): string;
}

export interface Protocol {
  name: string;
  router: Router<HttpState>;
  /** The paths it answers in its own format, also when the shared middleware fails them. */
  paths: PathOwner;
}

type ProtocolFactory = (deps: ProtocolDeps) => Protocol;

const FACTORIES: ProtocolFactory[] = [
  createCxpProtocol,
  createKomunitin,
];

export function createProtocols(deps: ProtocolDeps): Protocol[] {
  return FACTORIES.map((f) => f(deps));
}
