// The two rules that keep keys out of everything keygate writes: what is blanked out of free text
// (audit events, CLI errors), and what an error message may quote of its input.
import { KEY_ID_LENGTH, KEY_SECRET_LENGTH, MAX_PREFIX_LENGTH } from './format.js';

/** What takes the place of a key in redacted text. */
export const REDACTED = '[redacted]';

// A secret is a run of at least 43 base62 characters. It is a key's when a prefix-like word leads it,
// optionally with the 12-character id: `<prefix>_<secret…>` or `<prefix>_<id>_<secret…>`. A whole
// key is the case of a 49-character run (secret and checksum). No word boundaries: a key joined to
// other characters (`/files/<key>_v2`, `x%2F<key>`) is still a key.
const SECRET_RUN_RE = new RegExp(`[0-9A-Za-z]{${KEY_SECRET_LENGTH},}`, 'g');
const LEAD_RE = new RegExp(`[a-z][a-z0-9_]*_(?:[0-9A-Za-z]{${KEY_ID_LENGTH}}_)?$`);
const LEAD_WINDOW = MAX_PREFIX_LENGTH + 1 + KEY_ID_LENGTH + 1;
// Keys are ASCII, so only escapes of ASCII characters can hide one; others stay as they are.
const ASCII_ESCAPE_RE = /%[0-7][0-9A-Fa-f]/;
const ASCII_ESCAPE_AT = /%[0-7][0-9A-Fa-f]/y;
const PERCENT = 37;
// How many layers of percent-encoding are looked through (`%255F` is two).
const MAX_DECODE_ROUNDS = 3;
// What an error message may quote: short printable ASCII without a long run of letters and digits.
const SAFE_TO_ECHO_RE = /^[\x20-\x7e]{1,64}$/;
const TOKEN_LIKE_RE = /[0-9A-Za-z]{20,}/;

/**
 * `text` with every key blanked out as `[redacted]`, in plain or percent-encoded form (up to three
 * layers; malformed escapes are left alone): whatever spells a key once decoded is replaced where
 * it stands, and the rest of `text` is kept as it was, encoding included. A key is found without
 * word boundaries, by its secret: a run of 43 or more base62 characters led by a prefix (and
 * optionally the id), so truncated keys and keys joined to other characters go too. Linear in
 * the length of `text`.
 *
 * @example
 * ```ts
 * redactKeys(`GET /export?key=${key}`); // 'GET /export?key=[redacted]'
 * logger.info(redactKeys(String(error))); // before text of unknown origin reaches a log
 * ```
 */
export function redactKeys(text: string): string {
  const spans: Array<[number, number]> = [];
  let current = text;
  // origin[i]: where character i of `current` starts in `text` (one more entry for the end);
  // undefined while `current` is `text` itself.
  let origin: number[] | undefined;
  for (let round = 0; ; round++) {
    for (const [start, end] of keySpans(current)) {
      spans.push(origin === undefined ? [start, end] : [origin[start] as number, origin[end] as number]);
    }
    if (round === MAX_DECODE_ROUNDS || !ASCII_ESCAPE_RE.test(current)) break;
    [current, origin] = decodeAsciiEscapes(current, origin);
  }
  return spans.length === 0 ? text : blank(text, spans);
}

/**
 * True when `text` may be quoted in an error message or answer: 1-64 printable ASCII characters
 * without a run of 20 letters and digits. A key (at least 64 characters, with a 49-character run)
 * never passes, in any encoding, nor does a secret or a long part of one.
 */
export function isSafeToEcho(text: unknown): text is string {
  return typeof text === 'string' && SAFE_TO_ECHO_RE.test(text) && !TOKEN_LIKE_RE.test(text);
}

/** `text` as a JSON string when {@link isSafeToEcho}, otherwise `hidden`. */
export function quoteSafely(text: unknown, hidden = '(not shown)'): string {
  return isSafeToEcho(text) ? JSON.stringify(text) : hidden;
}

// Where keys stand in `text`: each secret run with what leads it.
function keySpans(text: string): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  for (const run of text.matchAll(SECRET_RUN_RE)) {
    const start = run.index;
    const window = text.slice(Math.max(0, start - LEAD_WINDOW), start);
    const lead = LEAD_RE.exec(window);
    if (lead !== null) spans.push([start - (window.length - lead.index), start + run[0].length]);
  }
  return spans;
}

// One round of decoding ASCII escapes, with where each decoded character came from in the original.
function decodeAsciiEscapes(text: string, origin: number[] | undefined): [string, number[]] {
  let decoded = '';
  const from: number[] = [];
  for (let i = 0; i < text.length; ) {
    from.push(origin === undefined ? i : (origin[i] as number));
    if (text.charCodeAt(i) === PERCENT && isAsciiEscapeAt(text, i)) {
      decoded += String.fromCharCode(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 3;
    } else {
      decoded += text[i];
      i++;
    }
  }
  from.push(origin === undefined ? text.length : (origin[text.length] as number));
  return [decoded, from];
}

// `text` with the spans (possibly overlapping) replaced, each merged run by one REDACTED.
function blank(text: string, spans: Array<[number, number]>): string {
  spans.sort((a, b) => a[0] - b[0]);
  let out = '';
  let at = 0;
  for (const [start, end] of spans) {
    if (end <= at) continue;
    if (start >= at) out += text.slice(at, start) + REDACTED;
    at = end;
  }
  return out + text.slice(at);
}

function isAsciiEscapeAt(text: string, i: number): boolean {
  ASCII_ESCAPE_AT.lastIndex = i;
  return ASCII_ESCAPE_AT.test(text);
}
