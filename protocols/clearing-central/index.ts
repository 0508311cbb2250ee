/**
 * Clearing Central (clearingcentral.net), through which CES exchanges intertrade. For
 * now it declares the `ces` community kind only: a CES exchange can be admitted as a
 * mirror community (mirror currency, import-export account) and given credit lines,
 * but no Clearing Central request reaches it yet, so it starts nothing. The wire
 * protocol (txinput.php, data_url forwards) is to be built in this folder.
 */
import { ProtocolPlugin } from '../../src/protocol';

export const clearingCentral: ProtocolPlugin = {
  name: 'clearing-central',
  mirrorKinds: ['ces'],
};
