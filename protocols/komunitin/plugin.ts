/**
 * The Komunitin protocol as the hub lists it (protocols/index.ts): what it declares,
 * read also by every `intertrade` command, so nothing here loads the wire side; `start`
 * loads that (index.ts) when a hub starts the protocol.
 */
import { ProtocolPlugin } from '../../src/protocol';
import * as G from './schemas/governance';

export const komunitin: ProtocolPlugin = {
  name: 'komunitin',
  governanceSchemas: [
    G.RegisterKomunitinPeer, G.KomunitinPeer, G.CreateKomunitinTransfer, G.KomunitinTransfer, G.KomunitinTransferList,
    G.KomunitinRequestQuery, G.KomunitinPolicy,
  ],
  start: (deps) => (require('./index') as typeof import('./index')).start(deps),
};
