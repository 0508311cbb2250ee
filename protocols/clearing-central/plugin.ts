/**
 * The Clearing Central protocol as the hub lists it (protocols/index.ts): what it
 * declares, read also by every `intertrade` command, so nothing here loads the wire
 * side; `start` loads that (index.ts) when a hub starts the protocol.
 */
import { ProtocolPlugin } from '../../src/protocol';
import { ccCli } from './cli';
import * as G from './schemas/governance';
import * as SV from './schemas/server';

export const clearingCentral: ProtocolPlugin = {
  name: 'clearing-central',
  mirrorKinds: ['ces'],
  governanceSchemas: [G.Connect, G.SetAcceptBills, G.Connection, G.ConnectionList, G.Admit, G.CesExchange, G.CesExchangeList, G.PendingList, G.SendBill, G.Bill, G.BillList, G.BillQuery, G.Resolve, SV.Register, SV.Edit, SV.List, SV.Member, SV.MemberList, SV.Totals],
  cli: ccCli,
  start: (deps) => (require('./index') as typeof import('./index')).start(deps),
};
