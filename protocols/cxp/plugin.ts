/**
 * The CXP protocol as the hub lists it (protocols/index.ts): what it declares, read
 * also by every `intertrade` command, so nothing here loads the wire side; `start` loads
 * that (index.ts) when a hub starts the protocol.
 */
import { ProtocolPlugin } from '../../src/protocol';
import { cxpCli } from './cli';
import * as G from './schemas/governance';

export const cxp: ProtocolPlugin = {
  name: 'cxp',
  mirrorKinds: ['cxp'],
  governanceSchemas: [G.ApproveExchange, G.SetTicks, G.SetLegacy, G.Exchange, G.ExchangeList, G.ExchangeCredentials, G.BalanceMismatch, G.BalanceMismatchList],
  cli: cxpCli,
  start: (deps) => (require('./index') as typeof import('./index')).start(deps),
};
