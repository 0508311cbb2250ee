/**
 * A hub over HTTP for governance tests, and a small client that keeps status, body and
 * headers. Response bodies are checked against the published schemas, so the OpenAPI
 * document is pinned to what the API answers.
 */
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { Hub, startHub } from '../../src/app';
import { allGovernanceSchemas } from '../../src/plugins';
import { isAmountError, parseAmount } from '../../src/core/amounts';
import { TestDatabase, createTestDatabase, testConfig } from '../helpers/db';

export const token = (): string => crypto.randomBytes(32).toString('base64url');

export interface Answer {
  status: number;
  /** Parsed JSON; `any` so assertions can read fields of any answer. */
  body: any;
  headers: Headers;
}

export interface TestHub {
  /** The running hub. A test that restarts it assigns the new one here; close() stops that one. */
  hub: Hub;
  tdb: TestDatabase;
  call(method: string, path: string, opts?: { body?: unknown; raw?: string; token?: string | null; headers?: Record<string, string> }): Promise<Answer>;
  close(): Promise<void>;
}

export async function startGovernanceHub(env: Record<string, string>, defaultToken: string | null): Promise<TestHub> {
  const tdb = await createTestDatabase();
  let hub: Hub;
  try {
    hub = await startHub(testConfig(tdb, env));
  } catch (err) {
    await tdb.drop();
    throw err;
  }
  // close() and call() read th.hub, not the hub started here: a test that restarts the
  // hub (test/protocols/cxp/auth.test.ts) puts the new one in .hub, and that one must be
  // stopped before its database is dropped, or its delivery loop keeps polling a
  // database that no longer exists.
  const th: TestHub = {
    hub,
    tdb,
    async call(method, path, opts = {}) {
      const t = opts.token === undefined ? defaultToken : opts.token;
      const body = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
      const res = await fetch(`${th.hub.url}/governance/v1${path}`, {
        method,
        headers: {
          ...(t ? { authorization: `Bearer ${t}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          ...opts.headers,
        },
        body,
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
    },
    async close() {
      await th.hub.stop();
      await tdb.drop();
    },
  };
  return th;
}

const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
ajv.addFormat('amount', { type: 'string', validate: (s: string) => !isAmountError(parseAmount(s, { allowZero: true })) });
ajv.addFormat('positive-amount', { type: 'string', validate: (s: string) => !isAmountError(parseAmount(s)) });

/** Assert that a response body matches the named schema of the OpenAPI document. */
export function assertSchema(name: string, body: unknown): void {
  const s = allGovernanceSchemas().find((x) => x.name === name);
  assert.ok(s, `no schema ${name}`);
  const v = ajv.getSchema(name) ?? (ajv.addSchema(s.json, name), ajv.getSchema(name)!);
  assert.ok(v(body), `${name}: ${ajv.errorsText(v.errors)}\n${JSON.stringify(body, null, 2)}`);
}
