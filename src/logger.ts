/**
 * Structured logs (pino). Redaction is the second line of defence: secrets live in
 * `Redacted` wrappers (vault/redacted.ts) that serialise as "[redacted]", and any field
 * with a secret-like name is censored here in case one slips through. JSON lines, or
 * on a terminal (the CLI decides) human-readable ones.
 */
import pino, { Logger } from 'pino';
import { LogLevel } from './config';

export type { Logger };

export const REDACT_PATHS = [
  'secret', 'seed', 'password', 'token', 'masterKey', 'key', 'privateKey', 'authorization',
  '*.secret', '*.seed', '*.password', '*.token', '*.masterKey', '*.key', '*.privateKey', '*.authorization',
  'req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers["server-authorization"]',
];

/**
 * Log lines for a person at a terminal (pino-pretty): time, level, message, and the
 * other fields on the same line; redaction has happened before. Formatted and written
 * synchronously, in this process (no worker thread to start, no line lost when the
 * process exits right after logging). pino-pretty is loaded only when asked for.
 */
export function prettyDestination(out: NodeJS.WritableStream = process.stdout): pino.DestinationStream {
  const { prettyFactory } = require('pino-pretty') as typeof import('pino-pretty');
  const prettify = prettyFactory({ translateTime: 'SYS:HH:MM:ss.l', ignore: 'service', singleLine: true });
  return { write: (line: string) => { out.write(prettify(line)); } };
}

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'intertrade' },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: { err: pino.stdSerializers.err },
    },
    destination,
  );
}
