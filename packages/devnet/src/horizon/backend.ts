/**
 * What the Horizon layer needs from the network: the README's Devnet contract, as an
 * interface so the HTTP layer can be exercised without the engine (and the engine
 * without HTTP). network.ts's Devnet satisfies it structurally.
 */
import { ClosedLedger, TransactionRecord } from '../history/records';
import { HistoryStore } from '../history/store';
import { LedgerHeaderInfo } from '../ops/types';
import { LedgerState } from '../state/ledger-state';

export type SubmitOutcome =
  | { ok: true; record: TransactionRecord }
  | {
    ok: false; status: 400; resultXdr: string; envelopeXdr: string;
    codes: { transaction: string; operations?: string[] }; hash: string;
  }
  | { ok: false; status: 400; malformed: string };

export interface HorizonBackend {
  readonly passphrase: string;
  readonly state: LedgerState;
  readonly history: HistoryStore;
  header(): LedgerHeaderInfo & { hash: string };
  submit(envelopeXdr: string): Promise<SubmitOutcome>;
  friendbot(accountId: string): Promise<SubmitOutcome>;
  on(event: 'ledger', listener: (closed: ClosedLedger) => void): unknown;
  off(event: 'ledger', listener: (closed: ClosedLedger) => void): unknown;
}
