/** Per-request context shared by the route modules. */
import { IncomingMessage, ServerResponse } from 'node:http';
import { HorizonBackend } from './backend';

export interface Ctx {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** Absolute origin for links, from the request's Host header: 'http://host:port'. */
  readonly base: string;
  readonly backend: HorizonBackend;
  /** Path segments after the route prefix (e.g. the account id). */
  readonly params: readonly string[];
  readonly streaming: boolean;
}

/** What a handler answers: a JSON body (status 200 unless given), or nothing when it streamed. */
export type Reply = { status?: number; body: unknown } | 'streamed';

export type Handler = (ctx: Ctx) => Reply | Promise<Reply>;
