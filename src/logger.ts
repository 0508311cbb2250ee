/**
 * Structured logs (pino). Redaction is the second line of defence: secrets live in
 * `Redacted` wrappers (vault/redacted.ts) that serialise as "[redacted]", and any field
 * with a secret-like name is censored here in case one slips through.
 */
import pino, { Logger } from 'pino';
import { LogLevel } from './config';

export type { Logger };

export const REDACT_PATHS = [
  'secret', 'seed', 'password', 'token', 'masterKey', 'key', 'privateKey', 'authorization',
  '*.secret', '*.seed', '*.password', '*.token', '*.masterKey', '*.key', '*.privateKey', '*.authorization',
  'req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'headers["server-authorization"]',
];

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
