/**
 * Expected failures are string enums returned as values (STYLE.md); this makes the
 * type guard for one such enum, so each domain's errors.ts states only its codes.
 */
export function isOneOf<E extends Record<string, string>>(e: E): (x: unknown) => x is E[keyof E] {
  const values = new Set<unknown>(Object.values(e));
  return (x: unknown): x is E[keyof E] => values.has(x);
}
