/**
 * Several statements, each scoped to a community, in one round trip.
 *
 * The statements go out as one simple-protocol query string, which PostgreSQL runs as
 * one implicit transaction: all of them or none, and set_config(…, true) holds until
 * its end, exactly as in a transaction opened with BEGIN. What it saves is the round
 * trips of BEGIN and COMMIT and of every statement after the first: the grouped writes
 * of a request (its nonce, its transfer, each state change, its delivery's outcome)
 * are one statement per community, and at a moderate rate each round trip costs the
 * hub and the database a wake-up (see scoped-client.ts).
 *
 * The simple protocol has no parameters, so values are written into the text as
 * literals by pg's own escapeLiteral (quotes doubled; an E'' string when backslashes
 * are present, so the result is right whatever standard_conforming_strings says).
 * Only `?` placeholders are replaced; the statements here are the hub's own, none of
 * them has a `?` of its own.
 */
import { escapeLiteral } from 'pg';
import { Knex } from 'knex';
import { scopeStatement } from './rls';

/** A value for a `?`: JSON goes as a string (JSON.stringify) and a `?::jsonb` in the statement. */
export type Literal = string | number | bigint | boolean | null | undefined | Date | string[];

export interface Step {
  /** The community the statement runs for ('' = hub-wide work, no community). */
  communityId: string;
  sql: string;
  bindings: Literal[];
}

export type Rows = Array<Record<string, unknown>>;

export function literal(v: Literal): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'string') return escapeLiteral(v);
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`not a finite number: ${v}`);
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'TRUE' : 'FALSE';
  if (v instanceof Date) return escapeLiteral(v.toISOString());
  return v.length === 0 ? `'{}'` : `ARRAY[${v.map((x) => escapeLiteral(x)).join(',')}]`;
}

/** The statement with each `?` replaced by its binding as a literal. */
export function inline(sql: string, bindings: Literal[]): string {
  const parts = sql.split('?');
  if (parts.length - 1 !== bindings.length) throw new Error(`${parts.length - 1} placeholders, ${bindings.length} bindings`);
  return parts.reduce((out, part, i) => out + literal(bindings[i - 1]) + part);
}

/** The rows of each step, in order. */
export async function oneTrip(knex: Knex, steps: Step[]): Promise<Rows[]> {
  if (steps.length === 0) return [];
  const text: string[] = [];
  /** Which results are the steps' own (the others answer a change of scope). */
  const mine: boolean[] = [];
  let scoped: string | null = null;
  for (const s of steps) {
    if (s.communityId !== scoped) {
      text.push(scopeStatement(s.communityId, { role: scoped === null }));
      mine.push(false);
      scoped = s.communityId;
    }
    text.push(inline(s.sql, s.bindings));
    mine.push(true);
  }
  const client = knex.client as { acquireConnection(): Promise<QueryConnection>; releaseConnection(c: QueryConnection): Promise<void> };
  const conn = await client.acquireConnection();
  try {
    const results = await conn.query(text.join(';\n'));
    return results.filter((_, i) => mine[i]).map((r) => r.rows);
  } finally {
    await client.releaseConnection(conn);
  }
}

interface QueryConnection {
  query(text: string): Promise<Array<{ rows: Rows }>>;
}
