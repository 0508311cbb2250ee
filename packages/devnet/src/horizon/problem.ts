/**
 * Horizon's problem+json errors (RFC 7807 with Horizon's type URLs and titles).
 * Handlers throw a Problem for expected client errors; server.ts turns it into the
 * response, and anything else into a 500 without crashing the process.
 */
const TYPE = 'https://stellar.org/horizon-errors/';

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly title: string,
    readonly detail: string,
    readonly extras?: Record<string, unknown>,
  ) {
    super(detail);
  }

  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { type: TYPE + this.type, title: this.title, status: this.status, detail: this.detail };
    if (this.extras) out.extras = this.extras;
    return out;
  }
}

export const notFound = (): Problem => new Problem(404, 'not_found', 'Resource Missing',
  'The resource at the url requested was not found.  This usually occurs for one of two reasons:  '
  + 'The url requested is not valid, or no data in our database could be found with the parameters provided.');

/** 400 naming the offending query parameter, as Horizon does in extras.invalid_field. */
export const badParam = (field: string, reason: string): Problem => new Problem(400, 'bad_request', 'Bad Request',
  'The request you sent was invalid in some way.', { invalid_field: field, reason });

export const badRequest = (detail: string): Problem => new Problem(400, 'bad_request', 'Bad Request', detail);

export const methodNotAllowed = (): Problem => new Problem(405, 'method_not_allowed', 'Method Not Allowed',
  'This resource does not support the request method you sent.');

export const tooLarge = (limit: number): Problem => new Problem(413, 'request_entity_too_large', 'Request Entity Too Large',
  `The request body exceeds the maximum of ${limit} bytes. Send a smaller transaction.`);

export const unsupportedMedia = (): Problem => new Problem(415, 'unsupported_media_type', 'Unsupported Media Type',
  'The request has an unsupported content type. Presently, the only supported content type is application/x-www-form-urlencoded.');

export const serverError = (): Problem => new Problem(500, 'server_error', 'Internal Server Error',
  'An error occurred while processing this request.  This is usually due to a bug within the server software.  '
  + 'Trying this request again may succeed if the bug is transient, otherwise please report this issue to the issues tracker at: '
  + 'https://github.com/stellar/go/issues. Please include this response in your issue.');

export const notImplemented = (what: string): Problem => new Problem(501, 'not_implemented', 'Resource Not Yet Implemented',
  `${what} is not implemented by the embedded network.`);

export const malformedTx = (envelopeXdr: string, reason: string): Problem => new Problem(400, 'transaction_malformed',
  'Transaction Malformed',
  'Horizon could not decode the transaction envelope in this request. A transaction should be an XDR-encoded '
  + '`TransactionEnvelope` union type, base64 encoded. Please ensure the transaction envelope is properly formatted.',
  { envelope_xdr: envelopeXdr, error: reason });

/** Horizon's `extras.result_codes`: fee bumps carry the inner transaction's code too. */
export function resultCodesJson(codes: { transaction: string; innerTransaction?: string; operations?: string[] }):
  { transaction: string; inner_transaction?: string; operations?: string[] } {
  return {
    transaction: codes.transaction,
    ...(codes.innerTransaction ? { inner_transaction: codes.innerTransaction } : {}),
    ...(codes.operations ? { operations: codes.operations } : {}),
  };
}

export const txFailed = (extras: {
  envelope_xdr: string; result_xdr: string; hash: string;
  result_codes: { transaction: string; innerTransaction?: string; operations?: string[] };
}): Problem => new Problem(400, 'transaction_failed', 'Transaction Failed',
  'The transaction failed when submitted to the stellar network. The `extras.result_codes` field on this response '
  + 'contains further details.  Descriptions of each code can be found at: '
  + 'https://developers.stellar.org/docs/data/horizon/api-reference/errors/result-codes/transactions',
  { ...extras, result_codes: resultCodesJson(extras.result_codes) });
