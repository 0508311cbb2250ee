/**
 * The OpenAPI 3.1 document of /cxp, generated from the same schemas that validate the
 * messages, and the error table from errors.ts: what is published is what is checked.
 */
import { CXP_CODES } from './errors';
import { Prepare, SCHEMAS } from './schemas';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ 'application/json': { schema: ref(name) } });

const hawk = [{ hawk: [] }];

function errors(codes: number[]) {
  const byStatus = new Map<number, number[]>();
  for (const c of codes) {
    const s = CXP_CODES[c as keyof typeof CXP_CODES].status;
    byStatus.set(s, [...(byStatus.get(s) ?? []), c]);
  }
  return Object.fromEntries([...byStatus].map(([status, cs]) => [String(status), {
    description: cs.map((c) => `${c}: ${CXP_CODES[c as keyof typeof CXP_CODES].message}`).join(' | '),
    content: json('Error'),
  }]));
}

/** Requests with a body: one over BODY_LIMIT is unread, unsigned, 413 with code 8 naming `body`. */
const tooLarge = {
  413: { description: `8: ${CXP_CODES[8].message} (@field body: a body over the hub's BODY_LIMIT; not signed, the hub did not read it)`, content: json('Error') },
};

/** Every request: the hub's database or the Stellar network unreachable for now ("try again"). */
const outage = {
  503: { description: `7: ${CXP_CODES[7].message} (the hub's database or the Stellar network is unreachable for now: @message says which; repeat the same request after Retry-After, it never applies twice)`, content: json('Error') },
};

const AUTH = [16, 17, 18];
const FIELDS = [8, 11, 12, 13, 15];

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Intertrade CXP intertrading API',
      version: '1.0',
      description: 'The 2013 CXP Intertrading API 1.0 as served by the hub (the circle\'s clearing server). Every request is signed with Hawk (sha256, payload hash required); answers carry Server-Authorization. Quantities are base units (HOUR). See docs/protocols/cxp.md.',
    },
    servers: [{ url: '/cxp' }],
    components: {
      securitySchemes: { hawk: { type: 'http', scheme: 'Hawk', description: 'Hawk HMAC (https://github.com/mozilla/hawk): id and key from the governing body; the hash attribute is required.' } },
      schemas: Object.fromEntries(SCHEMAS.map((s) => [s.name, s.json])),
    },
    security: hawk,
    paths: {
      '/server': {
        post: {
          operationId: 'handshake', summary: 'Announce the exchange, rotate its key, send its statistics',
          requestBody: { required: true, content: json('Handshake') },
          responses: { 200: { description: 'the exchange\'s status on the hub (status −1, unsigned, for an unknown Hawk id)', content: json('HandshakeReply') }, ...errors([...AUTH, ...FIELDS]), ...tooLarge, ...outage },
        },
      },
      '/server/clients': {
        get: {
          operationId: 'listClients', summary: 'The other exchanges and hosted communities one can pay into',
          responses: { 200: { description: 'site address → title', content: json('ClientList') }, ...errors(AUTH), ...outage },
        },
      },
      '/transactions': {
        get: {
          operationId: 'prepare', summary: 'Check the exchange\'s balance with the hub and get its spend and earn limits',
          parameters: Object.entries(Prepare.json.properties as Record<string, unknown>).map(([name, schema]) => ({ name, in: 'query', required: true, schema })),
          responses: { 200: { description: 'limits in base units', content: json('PrepareReply') }, ...errors([...AUTH, ...FIELDS, 7]), ...outage },
        },
        put: {
          operationId: 'tryTransaction', summary: 'Quote (really=false) or pay (really=true) a transaction; repeat with the same temp_id until final',
          requestBody: { required: true, content: json('Try') },
          responses: { 200: { description: 'OK', content: json('TryReply') }, ...errors([...AUTH, ...FIELDS, 4, 5, 7, 14, 20, 24, 25, 26, 27, 28]), ...tooLarge, ...outage },
        },
      },
    },
  };
}
