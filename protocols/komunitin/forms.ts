/**
 * Writing a transfer to a peer in the form of `meta` it takes. Komunitin servers from
 * before June 2025 take only a string, newer ones only `{description}`, and both answer
 * the other form with their validator's `400 BadRequest "Invalid value(s)"` (POST
 * /transfers validates through express-validator's oneOf, which names no field). So a
 * POST goes in the form the peer was last seen to use (what it sent us, or took from us;
 * `{description}` for a peer not seen yet) and, refused so, once more in the other: the
 * form it takes is remembered (komunitin_peers.transfer_meta). A peer upgraded since
 * is followed the same way. The retry is safe: a validator's refusal stores nothing.
 */
import { Outbound, PeerAnswer } from './client';
import { PeerDirectory } from './peers';
import { MetaForm } from './translate';

type Forms = Pick<PeerDirectory, 'metaForm' | 'learnMetaForm'>;

const other = (f: MetaForm): MetaForm => (f === 'string' ? 'object' : 'string');

/**
 * The peer refused the document for the form of its `meta`, or may have: Komunitin's
 * unspecific validation answer, or a validator that names `meta` (Komunitin's
 * single-field ones, "Field data.attributes.meta… is invalid"; this hub's before it
 * took both forms, pointer /data/attributes/meta).
 */
export function refusesMeta(a: PeerAnswer): boolean {
  if (a.status !== 400) return false;
  const e = (a.json as { errors?: Array<{ code?: unknown; detail?: unknown; source?: { pointer?: unknown } }> } | undefined)?.errors?.[0];
  if (!e) return false;
  if (e.code === 'BadRequest' && e.detail === 'Invalid value(s)') return true;
  if (e.code !== 'FieldValidationError') return false;
  return (typeof e.source?.pointer === 'string' && e.source.pointer.startsWith('/data/attributes/meta'))
    || (typeof e.detail === 'string' && /\bdata\.attributes\.meta\b/.test(e.detail));
}

/**
 * POST a transfer document, built by `doc` in the form the peer of `currencyUrl` takes;
 * the answer, and the form it answers. Outbound errors are the caller's.
 */
export async function postTransfer(outbound: Outbound, forms: Forms, opts: {
  url: string; currencyUrl: string; token: string; doc: (form: MetaForm) => unknown;
}): Promise<{ answer: PeerAnswer; form: MetaForm }> {
  const first = await forms.metaForm(opts.currencyUrl);
  let form = first;
  let answer = await outbound.request('POST', opts.url, { body: opts.doc(form), token: opts.token });
  if (refusesMeta(answer)) {
    const again = await outbound.request('POST', opts.url, { body: opts.doc(other(first)), token: opts.token });
    // Refused the same way in both forms: the fault is elsewhere; the first answer stands.
    if (!refusesMeta(again)) {
      answer = again;
      form = other(first);
    }
  }
  if (answer.status >= 200 && answer.status < 300) await forms.learnMetaForm(opts.currencyUrl, form);
  return { answer, form };
}
