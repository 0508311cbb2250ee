/**
 * The protocols as the hub lists them (protocols/index.ts), and what follows from their
 * declarations alone: the mirror kinds, the governance schemas, the `intertrade`
 * commands. The CLI reads this without the composition root (src/app.ts), so printing
 * the usage or calling the governance API loads no database, ledger or HTTP server.
 * This is the only file under src/ that imports protocols/.
 */
import { governanceCommands } from './governance/cli';
import { CliCommands, Schema } from './governance';
import { governanceSchemas } from './governance/schemas';
import { PROTOCOLS } from '../protocols';

export { PROTOCOLS };

/** The community kinds the protocols serve through a mirror currency (`cxp`, …). */
export const MIRROR_KINDS: readonly string[] = PROTOCOLS.flatMap((p) => p.mirrorKinds ?? []);
export const PROTOCOL_SCHEMAS: Schema<unknown>[] = PROTOCOLS.flatMap((p) => p.governanceSchemas ?? []);

/** The `intertrade` governance commands: the hub's own, then each protocol's. */
export const cliCommands = (): CliCommands[] => [governanceCommands(MIRROR_KINDS), ...PROTOCOLS.flatMap((p) => (p.cli ? [p.cli] : []))];

/** Every named schema of the governance API, the protocols' included, as the OpenAPI document lists them. */
export const allGovernanceSchemas = (): Schema<unknown>[] => governanceSchemas({ mirrorKinds: MIRROR_KINDS, protocols: PROTOCOL_SCHEMAS });
