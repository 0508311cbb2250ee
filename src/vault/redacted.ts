/**
 * A value that must never be logged or serialised by accident (Stellar secrets, data
 * keys). It prints as "[redacted]" through console, util.inspect, JSON and pino; only
 * `reveal()` gives the value, so every use of a secret is visible in review.
 */
import { inspect } from 'node:util';

export class Redacted<T> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  reveal(): T {
    return this.#value;
  }

  toJSON(): string {
    return '[redacted]';
  }

  toString(): string {
    return '[redacted]';
  }

  [inspect.custom](): string {
    return '[redacted]';
  }
}
