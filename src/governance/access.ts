/**
 * Who may do what (docs/governance.md#roles). Every operation declares the right it
 * needs and where the request names the community it concerns; the router checks that
 * one declaration before the handler runs, so handlers hold no rights logic of their own.
 * An operation that declares nothing is the hub operator's alone: a route added later
 * without thought for roles is closed rather than open.
 */
import { HttpError } from '../http/errors';

export const ROLES = ['operator', 'community', 'auditor'] as const;
export type Role = (typeof ROLES)[number];

/** Who a bearer token speaks for. */
export interface Principal {
  actor: string;
  role: Role;
  /** Codes of the communities governed (community) or read (auditor); null = the whole hub. */
  communities: string[] | null;
}

export type Right = 'read' | 'write';

/** Where a request names a community: a path parameter, or a body field holding "CODE" or "CODE/ACCOUNT". */
export type CommunityRef = { param: string } | { body: string };

export type Access =
  /** Hub-wide data: read by operators and hub-wide auditors, written by operators. */
  | { right: Right; scope: 'hub' }
  /** Any token may ask; the handler answers only with what the principal may see (visible()). */
  | { right: 'read'; scope: 'visible' }
  /**
   * One community's data, named by `community` (or, for reads, by `or`: a credit line is
   * read by both its sides). `touches`: other communities whose rows the work reads
   * without any right being needed there (the payee of a payment, the peer of a line);
   * 'peers' are the communities of other servers (kind peer), which no one here governs.
   */
  | { right: Right; community: CommunityRef; or?: CommunityRef; touches?: Array<CommunityRef | 'peers'> };

const OPERATOR_ONLY: Access = { right: 'write', scope: 'hub' };

/** Whether the check needs the request's body (a payer field): then it comes after the body's validation, else before it. */
export const needsBody = (a: Access | undefined): boolean =>
  a !== undefined && 'community' in a && [a.community, ...(a.or ? [a.or] : [])].some((r) => 'body' in r);

/** The code a reference names in this request, or null when the request does not carry it (the handler answers). */
export function codeOf(ref: CommunityRef, params: Record<string, string>, body: unknown): string | null {
  const value = 'param' in ref ? params[ref.param] : (body as Record<string, unknown> | undefined)?.[ref.body];
  return typeof value === 'string' ? value.split('/')[0] : null;
}

const describe = (p: Principal): string =>
  `${p.actor} (${p.role}${p.communities ? ` of ${p.communities.join(', ')}` : p.role === 'operator' ? '' : ', hub-wide'})`;

const holds = (p: Principal, right: Right, code: string): boolean => {
  if (p.role === 'operator') return true;
  if (p.role === 'auditor' && right === 'write') return false;
  return p.communities === null || p.communities.includes(code);
};

/**
 * The right a principal lacks for this request, in words ("write on community BLU1"),
 * or null when it holds them all.
 */
export function missingRight(p: Principal, access: Access | undefined, params: Record<string, string>, body: unknown): string | null {
  const a = access ?? OPERATOR_ONLY;
  if (p.role === 'operator') return null;
  if ('scope' in a) {
    if (a.scope === 'visible') return null;
    if (a.right === 'read' && p.role === 'auditor' && p.communities === null) return null;
    return a.right === 'read' ? 'read on the whole hub (hub operator or hub-wide auditor)' : 'the hub operator\'s right';
  }
  const code = codeOf(a.community, params, body);
  const other = a.or && a.right === 'read' ? codeOf(a.or, params, body) : null;
  // A declaration naming a field the request lacks is a bug: only the hub-wide may pass it.
  if (code === null) return p.communities === null && a.right === 'read' ? null : `${a.right} on the community this request concerns`;
  if (holds(p, a.right, code) || (other !== null && holds(p, a.right, other))) return null;
  return `${a.right} on community ${code}${other !== null ? ` or ${other}` : ''}`;
}

export function forbidden(p: Principal, missing: string): HttpError {
  return new HttpError(403, 'forbidden', `${describe(p)} lacks ${missing}; ask the hub operator for a token with that right`);
}

/** What a principal may see of a hub-wide list: every community, or its own. */
export const visible = (p: Principal, code: string): boolean => p.communities === null || p.communities.includes(code);
