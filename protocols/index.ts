/**
 * The wire protocols the hub speaks: the one list. Each is a folder here that owns its
 * room end to end (wire routes, governance operations, CLI commands, schemas, docs) and
 * plugs in through the ProtocolPlugin interface (src/protocol.ts). A new protocol is a
 * new folder under protocols/ and one line below.
 *
 * Order is the order of the governance document's paths and schemas and of the CLI's
 * usage; wire paths never overlap, so routing does not depend on it.
 *
 * Every `intertrade` command reads this list (its usage, the protocols' commands), so an
 * entry is a protocol's declaration alone (its plugin.ts, or an index.ts that only
 * declares): the wire side, with the database, the ledger and koa behind it, is loaded
 * by `start`, when a hub starts.
 */
import { ProtocolPlugin } from '../src/protocol';
import { komunitin } from './komunitin/plugin';
import { cxp } from './cxp/plugin';
import { clearingCentral } from './clearing-central/plugin';

export const PROTOCOLS: readonly ProtocolPlugin[] = [
  komunitin,
  cxp,
  clearingCentral,
];
