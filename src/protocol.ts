/**
 * What a protocol is to the hub: the plug-in interface every folder under protocols/
 * implements. A protocol declares what the hub needs before anything runs (the mirror
 * community kinds it serves, its governance schemas, its CLI commands) and, given the
 * running core, starts: its wire routes, the paths it answers in its own format, and
 * its governance operations. The composition root (src/app.ts) reads the one list in
 * protocols/index.ts; nothing else under src/ names a protocol.
 */
import Router from '@koa/router';
import { Config } from './config';
import { Core, Ledger } from './core';
import { Database } from './db/database';
import { CliCommands, Operation, Schema } from './governance';
import { HttpState, PathOwner } from './http/server';
import { Logger } from './logger';

/** What a protocol is given when it starts: the core and the hub's shared kernels. */
export interface ProtocolDeps extends Core {
  config: Config;
  db: Database;
  ledger: Ledger;
  logger: Logger;
  /** Where this hub is reached from outside (PUBLIC_URL, or the listening URL). */
  publicUrl(): string;
}

/** A started protocol: what the hub mounts. */
export interface Protocol {
  router: Router<HttpState>;
  /** The paths it answers in its own format, also when the shared middleware fails them. */
  paths: PathOwner;
  /** Its governance operations, mounted under /governance/v1 after the hub's own. */
  governance: Operation[];
}

export interface ProtocolPlugin {
  name: string;
  /**
   * Community kinds whose members stand behind one import-export account on a mirror
   * currency the hub hosts for them (`cxp`: a CXP exchange); see src/core/exchanges.
   */
  mirrorKinds?: string[];
  /** Named schemas its governance operations use, published in the OpenAPI document. */
  governanceSchemas?: Schema<unknown>[];
  /** Its `intertrade` commands: clients of its governance operations. */
  cli?: CliCommands;
  /** Starts it over the running core; a protocol that only declares kinds (so far) has none. */
  start?(deps: ProtocolDeps): Protocol;
}
