/**
 * The pieces behind Komunitin peers of both ages, without a hub: which answers blame the
 * form of `meta` (Komunitin's validators, this hub's before it took both forms), which
 * refusals leave a payment to record from the ledger, and what the transfer schema takes
 * from a peer (a string or `{description}`, an older server's unrounded amount).
 */
import assert from 'node:assert/strict';
import { PeerAnswer } from '../../../protocols/komunitin/client';
import { KomunitinCode, KomunitinError, fail, verdict } from '../../../protocols/komunitin/errors';
import { postTransfer, refusesMeta } from '../../../protocols/komunitin/forms';
import { recoverable } from '../../../protocols/komunitin/recovery';
import { TransferCreateDoc, transferCreateDocument, validate } from '../../../protocols/komunitin/schemas';
import { MetaForm, readMeta } from '../../../protocols/komunitin/translate';

const answer = (status: number, error?: Record<string, unknown>): PeerAnswer => {
  const json = error ? { errors: [{ status: String(status), ...error }] } : { data: { attributes: { state: 'committed' } } };
  return { status, text: JSON.stringify(json), json };
};

const notify = (attributes: Record<string, unknown>) => ({
  data: {
    type: 'transfers', id: '6f0d3c2e-1b4a-4c1e-9d55-0b7c1f2a3e44',
    attributes: { amount: 100, state: 'committed', hash: 'ab'.repeat(32), ...attributes },
    relationships: {
      payer: { data: { type: 'accounts', id: 'x', meta: { external: true, href: 'https://komunitin.example/NET1/accounts/x' } } },
      payee: { data: { type: 'accounts', id: 'y' } },
    },
  },
});

describe('Komunitin meta forms and refused notifies', () => {
  it('takes the answers of Komunitin\'s validators and of this hub\'s older self as blaming meta, and no other', () => {
    // POST /transfers validates through oneOf: express-validator's grouped message, no field named.
    assert.equal(refusesMeta(answer(400, { code: 'BadRequest', title: 'Bad Request', detail: 'Invalid value(s)' })), true);
    assert.equal(refusesMeta(answer(400, { code: 'FieldValidationError', detail: 'Field data.attributes.meta.description is invalid in request body.' })), true);
    assert.equal(refusesMeta(answer(400, { code: 'FieldValidationError', detail: 'transfer: /data/attributes/meta must be object', source: { pointer: '/data/attributes/meta' } })), true);
    for (const a of [
      answer(201),
      answer(400, { code: 'BadRequest', detail: 'Transfer with id 6f0d3c2e-1b4a-4c1e-9d55-0b7c1f2a3e44 already exists' }),
      answer(400, { code: 'FieldValidationError', detail: 'The payee account is disabled.' }),
      answer(400, { code: 'FieldValidationError', detail: 'transfer: /data/attributes/amount must be number', source: { pointer: '/data/attributes/amount' } }),
      answer(500, { code: 'InternalError', detail: 'Invalid value(s)' }),
      { status: 400, text: 'Invalid value(s)', json: undefined },
    ]) assert.equal(refusesMeta(a), false, a.text);
  });

  it('sends in the form last seen, once more in the other on a refusal blaming it, and remembers what is taken', async () => {
    const sent: MetaForm[] = [];
    const learned: MetaForm[] = [];
    let takes: MetaForm = 'string';
    const outbound = {
      check: async (u: string) => new URL(u),
      request: async (_m: string, _u: string, opts: { body?: unknown } = {}) => {
        const meta = (opts.body as { meta: unknown }).meta;
        const form: MetaForm = typeof meta === 'string' ? 'string' : 'object';
        sent.push(form);
        return form === takes ? answer(201) : answer(400, { code: 'BadRequest', detail: 'Invalid value(s)' });
      },
    };
    let known: MetaForm = 'object';
    const forms = { metaForm: async () => known, learnMetaForm: async (_u: string, f: MetaForm) => { learned.push(f); known = f; } };
    const post = () => postTransfer(outbound, forms, { url: 'u', currencyUrl: 'c', token: 't', doc: (f) => ({ meta: f === 'string' ? 'd' : { description: 'd' } }) });
    assert.equal((await post()).form, 'string');
    assert.deepEqual(sent.splice(0), ['object', 'string']);
    await post();
    assert.deepEqual(sent.splice(0), ['string'], 'the form learned goes first');
    takes = 'object'; // the peer upgraded
    assert.equal((await post()).answer.status, 201);
    assert.deepEqual(sent.splice(0), ['string', 'object']);
    assert.deepEqual(learned, ['string', 'string', 'object']);
    takes = 'none' as MetaForm; // refused in both forms: not about meta; the first answer stands, nothing learned
    const r = await post();
    assert.deepEqual([r.answer.status, r.form, sent.splice(0)], [400, 'object', ['object', 'string']]);
    assert.deepEqual(learned, ['string', 'string', 'object']);
  });

  it('keeps for recovery the refusals not resting on the ledger\'s word or on who speaks', () => {
    assert.equal(recoverable(new Error('bug')), true);
    assert.equal(recoverable(fail(KomunitinCode.FieldValidationError, 'meta too long', '/data/attributes/meta')), true);
    assert.equal(recoverable(fail(KomunitinCode.NotFound, 'no account', '/data/relationships/payee/data/id')), true);
    assert.equal(recoverable(fail(KomunitinCode.TransactionError, 'not on the ledger', '/data/attributes/hash')), true);
    assert.equal(recoverable(verdict(KomunitinCode.BadRequest, 'pays someone else', '/data/attributes/hash')), false);
    assert.equal(recoverable(verdict(KomunitinCode.BadRequest, 'amount disagrees', '/data/attributes/amount')), false);
    assert.equal(recoverable(fail(KomunitinCode.Unauthorized, 'bad token')), false);
    assert.equal(recoverable(fail(KomunitinCode.Forbidden, 'not the payer')), false);
    assert.equal(recoverable(new KomunitinError(KomunitinCode.BadRequest, 'id reused', '/data/id', 409)), false);
  });

  it('takes meta in both forms and an older server\'s unrounded amount, and names the member at fault otherwise', () => {
    const ok = (attrs: Record<string, unknown>) => validate<TransferCreateDoc>(transferCreateDocument, notify(attrs), 'transfer').data.attributes;
    assert.deepEqual(readMeta(ok({ meta: 'bread' }).meta), { description: 'bread', form: 'string' });
    assert.deepEqual(readMeta(ok({ meta: { description: 'bread', extra: 1 } }).meta), { description: 'bread', form: 'object' });
    assert.deepEqual(readMeta(ok({}).meta), { description: '' });
    assert.equal(ok({ amount: 1250.5 }).amount, 1250.5);
    const refused = (attrs: Record<string, unknown>) => {
      try {
        validate(transferCreateDocument, notify(attrs), 'transfer');
      } catch (err) {
        const e = err as KomunitinError;
        return [e.code, e.pointer, e.detail];
      }
      return null;
    };
    assert.deepEqual(refused({ meta: 7 }), [KomunitinCode.FieldValidationError, '/data/attributes/meta', 'transfer: /data/attributes/meta must be a string or an object']);
    assert.deepEqual(refused({ meta: 'x'.repeat(2001) })?.slice(0, 2), [KomunitinCode.FieldValidationError, '/data/attributes/meta']);
    assert.deepEqual(refused({ meta: { description: 7 } })?.slice(0, 2), [KomunitinCode.FieldValidationError, '/data/attributes/meta/description']);
    assert.deepEqual(refused({ amount: 0 })?.slice(0, 2), [KomunitinCode.FieldValidationError, '/data/attributes/amount']);
    assert.deepEqual(refused({ amount: '10' })?.slice(0, 2), [KomunitinCode.FieldValidationError, '/data/attributes/amount']);
  });
});
