/**
 * Clearing Central's messages are url-encoded maps both ways: forwarded bills arrive as
 * a form body (post) or a query string (get), its replies to txinput.php look
 * url-encoded but leave success values unencoded. Everything is read into a plain map
 * and only the keys a caller names are ever looked at, so no key a peer sends can
 * stand for another (the original server lets any key of a reply overwrite its own
 * variables; never that here).
 */

/** Fields of a url-encoded text; a repeated key keeps its last value, as PHP does. */
export function readForm(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const k = decode(eq < 0 ? part : part.slice(0, eq));
    const v = decode(eq < 0 ? '' : part.slice(eq + 1));
    if (k !== '') out.set(k, v);
  }
  return out;
}

/**
 * One component, '+' as a space. A malformed escape ("%zz", or the raw "%" of an
 * unencoded success body) is kept as written instead of failing the whole message.
 */
function decode(s: string): string {
  const spaced = s.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced.replace(/%([0-9a-fA-F]{2})/g, (m, h: string) => {
      const c = parseInt(h, 16);
      return c < 0x80 ? String.fromCharCode(c) : m;
    });
  }
}

/** A reply as Clearing Central's parse_str reads it, in the order given. */
export function writeForm(fields: Array<[string, string]>): string {
  return fields.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&');
}
