/**
 * A LedgerState with accounts and trustlines, and op frames applied to it
 * directly (no transaction, no HTTP): for the order-book unit tests that pin
 * arithmetic and check order independently of the engine.
 */
import { Keypair, xdr } from '@stellar/stellar-sdk';
import { AUTHORIZED_FLAG, AccountId, AssetKey, INT64_MAX, NATIVE } from '../../src/devnet/state/entries';
import { LedgerState } from '../../src/devnet/state/ledger-state';
import { EffectInput, TradeInput } from '../../src/devnet/history/records';
import { OpContext, OpFrame, OpOutcome } from '../../src/devnet/ops/types';

export const XLM = 10_000_000n;

export class Fixture {
  readonly state = new LedgerState();
  readonly baseReserve = 5_000_000n;
  effects: EffectInput[] = [];
  trades: TradeInput[] = [];

  account(balanceXlm: bigint): AccountId {
    const id = Keypair.random().publicKey();
    this.state.putAccount({
      accountId: id, balance: balanceXlm * XLM, seqNum: 1n << 32n, seqLedger: 1, seqTime: 0n, numSubEntries: 0,
      inflationDest: null, flags: 0, homeDomain: '', thresholds: [1, 0, 0, 0], signers: [],
      buyingLiabilities: 0n, sellingLiabilities: 0n, numSponsored: 0, numSponsoring: 0, sponsor: null,
    });
    return id;
  }

  trust(accountId: AccountId, asset: AssetKey, balance = 0n, limit = INT64_MAX, flags = AUTHORIZED_FLAG): void {
    const acc = this.state.getAccount(accountId)!;
    this.state.putAccount({ ...acc, numSubEntries: acc.numSubEntries + 1 });
    this.state.putTrustLine({
      accountId, asset, balance, limit, flags, buyingLiabilities: 0n, sellingLiabilities: 0n, sponsor: null,
    });
  }

  balance(accountId: AccountId, asset: AssetKey): bigint {
    if (asset === NATIVE) return this.state.getAccount(accountId)!.balance;
    return this.state.getTrustLine(accountId, asset)!.balance;
  }

  line(accountId: AccountId, asset: AssetKey) {
    return asset === NATIVE ? this.state.getAccount(accountId)! : this.state.getTrustLine(accountId, asset)!;
  }

  ctx(sourceId: AccountId): OpContext {
    return {
      state: this.state,
      header: { seq: 2, closeTime: 0n, baseFee: 100, baseReserve: this.baseReserve },
      sourceId,
      txSourceId: sourceId,
      opIndex: 0,
      txHash: Buffer.alloc(32),
      effect: (e) => { this.effects.push(e); },
      trade: (t) => { this.trades.push(t); },
    };
  }

  /** checkValid, then apply inside a savepoint rolled back on failure (as a failed transaction). */
  apply<B>(frame: OpFrame<B>, op: xdr.Operation, sourceId: AccountId): OpOutcome {
    const body = op.body().value() as unknown as B;
    const ctx = this.ctx(sourceId);
    const invalid = frame.checkValid(body, ctx);
    if (invalid) return invalid;
    const sp = this.state.savepoint();
    const effects = this.effects.length;
    const trades = this.trades.length;
    const out = frame.apply(body, ctx);
    if (out.code === 'op_success') {
      this.state.commit(sp);
    } else {
      this.state.rollback(sp);
      this.effects.length = effects;
      this.trades.length = trades;
    }
    return out;
  }
}
