/**
 * What a transaction on the ledger paid, read from its envelope and result: for each
 * payment operation, who paid whom, in which assets, how much left the payer and how
 * much reached the payee. A server told "I paid your member, here is the hash" checks
 * the claim against this, never against the amount the teller states.
 */
import { Asset, FeeBumpTransaction, Operation, TransactionBuilder, xdr } from '@stellar/stellar-sdk';
import { parseAmount } from '../../core/amounts';
import { LedgerPayment } from '../../core/ledger';
import { paidBy } from './payments';
import { operationResults } from './submitter';

const stroops = (s: string): bigint => parseAmount(s, { allowZero: true }) as bigint;

const ref = (a: Asset) => ({ code: a.isNative() ? 'XLM' : a.getCode(), issuer: a.isNative() ? '' : a.getIssuer() });

/** What the payee received in a strict-send path payment: the last hop's claim. */
function receivedBy(result: xdr.OperationResult): bigint {
  const success = result.tr().pathPaymentStrictSendResult().success();
  return BigInt(success.last().amount().toString());
}

export function paymentsIn(envelopeXdr: string, resultXdr: string, passphrase: string): LedgerPayment[] {
  const envelope = TransactionBuilder.fromXDR(envelopeXdr, passphrase);
  const inner = envelope instanceof FeeBumpTransaction ? envelope.innerTransaction : envelope;
  const results = operationResults(resultXdr);
  const out: LedgerPayment[] = [];
  inner.operations.forEach((op: Operation, i) => {
    const from = op.source ?? inner.source;
    if (op.type === 'payment') {
      const amount = stroops(op.amount);
      out.push({ from, to: op.destination, asset: ref(op.asset), amount, sourceAsset: ref(op.asset), sourceAmount: amount });
    } else if (op.type === 'pathPaymentStrictReceive') {
      const amount = stroops(op.destAmount);
      out.push({
        from, to: op.destination, asset: ref(op.destAsset), amount,
        sourceAsset: ref(op.sendAsset), sourceAmount: results[i] ? paidBy(results[i], op.sendAsset, amount) : stroops(op.sendMax),
      });
    } else if (op.type === 'pathPaymentStrictSend') {
      const sent = stroops(op.sendAmount);
      out.push({
        from, to: op.destination, asset: ref(op.destAsset), amount: results[i] ? receivedBy(results[i]) : stroops(op.destMin),
        sourceAsset: ref(op.sendAsset), sourceAmount: sent,
      });
    }
  });
  return out;
}
