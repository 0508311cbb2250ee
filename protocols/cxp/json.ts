/**
 * CXP's JSON bodies, read as they were sent. The spec carries amounts as JSON numbers
 * and JSON.parse turns them into floats, which are not what was written: 1e-7 prints
 * as "1e-7", 922337203685.4775807 as "922337203685.4775", 1.000000000000000001 as "1".
 * So the text of every number of the message is kept, and amounts are read from it
 * (translate.ts, readAmounts).
 */
import { typeError } from './errors';

export interface JsonBody {
  value: unknown;
  /** The text of each member of the top-level object whose value is a number, as written: "1e-7", "12.50". */
  numbers: Map<string, string>;
}

/** The body as JSON (code 15 if it is none), with the text of its numbers. */
export function readJson(text: string): JsonBody {
  if (text.trim() === '') throw typeError('body', 'JSON object');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw typeError('body', 'JSON object');
  }
  return { value, numbers: topLevelNumbers(text) };
}

const WS = /[ \t\n\r]*/y;
const STRING = /"(?:[^"\\]+|\\.)*"/y;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
/** A literal (true, false, null) or a number, where only its end matters. */
const SCALAR = /[^,:\]}"[{ \t\n\r]+/y;

/**
 * The members of the top-level object whose values are numbers, from text JSON.parse
 * accepted (so it is well formed). Keys are read by JSON.parse, escapes and all; of a
 * repeated key the last value counts, as in JSON.parse.
 */
function topLevelNumbers(text: string): Map<string, string> {
  const numbers = new Map<string, string>();
  let i = 0;
  const take = (re: RegExp): string => {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) throw new Error(`unexpected JSON text at ${i}`);
    i = re.lastIndex;
    return m[0];
  };
  const skipValue = () => {
    let depth = 0;
    do {
      take(WS);
      const c = text[i];
      if (c === '"') take(STRING);
      else if (c === '{' || c === '[') { depth++; i++; } else if (c === '}' || c === ']') { depth--; i++; } else if (c === ',' || c === ':') i++;
      else take(SCALAR);
    } while (depth > 0);
  };
  take(WS);
  if (text[i] !== '{') return numbers;
  i++;
  for (;;) {
    take(WS);
    if (text[i] !== '"') break; // '}': the end
    const key = JSON.parse(take(STRING)) as string;
    take(WS);
    i++; // ':'
    take(WS);
    if (text[i] === '-' || (text[i] >= '0' && text[i] <= '9')) numbers.set(key, take(NUMBER));
    else {
      numbers.delete(key);
      skipValue();
    }
    take(WS);
    if (text[i] !== ',') break;
    i++;
  }
  return numbers;
}
