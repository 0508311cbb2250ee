/** POST /transactions: form field `tx`, a base64 TransactionEnvelope. */
import { SubmitOutcome } from '../backend';
import { Ctx, Reply } from '../context';
import { Problem, badParam, malformedTx, txFailed, unsupportedMedia } from '../problem';
import { transactionJson } from '../resources';

function submissionProblem(outcome: Exclude<SubmitOutcome, { ok: true }>, envelope: string): Problem {
  if ('malformed' in outcome) return malformedTx(envelope, outcome.malformed);
  return txFailed({
    envelope_xdr: outcome.envelopeXdr,
    result_xdr: outcome.resultXdr,
    hash: outcome.hash,
    result_codes: outcome.codes,
  });
}

/** The envelope from a form body (what the SDK sends), or from JSON {"tx": …}. */
export function envelopeFrom(contentType: string | undefined, body: string): string {
  const type = (contentType ?? 'application/x-www-form-urlencoded').split(';')[0].trim().toLowerCase();
  let tx: string | null | undefined;
  if (type === 'application/x-www-form-urlencoded' || type === 'multipart/form-data' || type === '') {
    tx = new URLSearchParams(body).get('tx');
  } else if (type === 'application/json') {
    try {
      const parsed: unknown = JSON.parse(body);
      tx = typeof parsed === 'object' && parsed !== null ? String((parsed as Record<string, unknown>).tx ?? '') : '';
    } catch {
      throw badParam('tx', 'the body is not valid JSON');
    }
  } else {
    throw unsupportedMedia();
  }
  if (!tx) throw badParam('tx', 'tx is required: the base64 XDR of a signed TransactionEnvelope');
  return tx.trim();
}

export async function submit(ctx: Ctx, body: string): Promise<Reply> {
  const envelope = envelopeFrom(ctx.req.headers['content-type'], body);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(envelope)) throw malformedTx(envelope, 'tx is not base64');
  const outcome = await ctx.backend.submit(envelope);
  if (outcome.ok) return { body: transactionJson(outcome.record, ctx.base) };
  throw submissionProblem(outcome, envelope);
}
