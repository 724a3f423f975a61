// IP addresses and CIDR ranges as key allowlists hold them: validated with node:net's isIP,
// then written in one canonical form (RFC 5952 for IPv6, host bits of a range cleared).
import { isIP } from 'node:net';

/** An address as bytes (4 for IPv4, 16 for IPv6), or undefined when `text` is not one. Zone ids (`%eth0`) are refused. */
export function parseIpAddress(text: string): Uint8Array | undefined {
  const version = isIP(text);
  if (version === 4) return Uint8Array.from(text.split('.').map(Number));
  if (version !== 6 || text.includes('%')) return undefined;
  let hex = text;
  const lastColon = hex.lastIndexOf(':');
  const tail = hex.slice(lastColon + 1);
  if (tail.includes('.')) {
    // An embedded IPv4 address (e.g. ::ffff:192.0.2.1) becomes the last two groups.
    const [a, b, c, d] = tail.split('.').map(Number) as [number, number, number, number];
    hex = `${hex.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = hex.split('::');
  const before = head === '' ? [] : head.split(':');
  const after = rest === undefined || rest === '' ? [] : rest.split(':');
  const groups = [...before, ...Array<string>(8 - before.length - after.length).fill('0'), ...after];
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    const value = Number.parseInt(group, 16);
    bytes[2 * i] = value >> 8;
    bytes[2 * i + 1] = value & 0xff;
  });
  return bytes;
}

/** Writes an address canonically: dotted IPv4; RFC 5952 IPv6 (IPv4-mapped addresses as `::ffff:a.b.c.d`). */
export function formatIpAddress(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.');
  if (bytes.subarray(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff) {
    return `::ffff:${bytes.subarray(12).join('.')}`;
  }
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] as number) << 8) | (bytes[i + 1] as number));
  // The longest run of two or more zero groups (the first on a tie) becomes `::`.
  let best = { start: -1, length: 1 };
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > best.length) best = { start: i, length: j - i };
    i = j;
  }
  const text = groups.map((g) => g.toString(16));
  if (best.start === -1) return text.join(':');
  const left = text.slice(0, best.start).join(':');
  const right = text.slice(best.start + best.length).join(':');
  return `${left}::${right}`;
}

const PREFIX_LENGTH_RE = /^(?:0|[1-9][0-9]{0,2})$/;

/**
 * Normalises one allowlist entry, an address or a CIDR range: canonical address text, host bits
 * of a range cleared (`10.1.2.3/8` → `10.0.0.0/8`), a full-length range written as its address.
 * Undefined when the entry is neither.
 */
export function normaliseIpEntry(entry: string): string | undefined {
  const slash = entry.indexOf('/');
  const bytes = parseIpAddress(slash === -1 ? entry : entry.slice(0, slash));
  if (bytes === undefined) return undefined;
  if (slash === -1) return formatIpAddress(bytes);
  const lengthText = entry.slice(slash + 1);
  const bits = bytes.length * 8;
  if (!PREFIX_LENGTH_RE.test(lengthText) || Number(lengthText) > bits) return undefined;
  const length = Number(lengthText);
  for (let i = 0; i < bytes.length; i++) {
    const keep = Math.max(0, Math.min(8, length - 8 * i));
    bytes[i] = (bytes[i] as number) & ((0xff << (8 - keep)) & 0xff);
  }
  return length === bits ? formatIpAddress(bytes) : `${formatIpAddress(bytes)}/${length}`;
}

/**
 * True when every address of allowlist entry `inner` lies in entry `outer` (both as
 * normaliseIpEntry writes them). An IPv4 entry and its IPv4-mapped IPv6 form are the same range.
 */
export function ipRangeWithin(inner: string, outer: string): boolean {
  const a = asMappedRange(inner);
  const b = asMappedRange(outer);
  if (a === undefined || b === undefined || a.length < b.length) return false;
  for (let bit = 0; bit < b.length; bit++) {
    const mask = 0x80 >> (bit % 8);
    if (((a.bytes[bit >> 3] as number) & mask) !== ((b.bytes[bit >> 3] as number) & mask)) return false;
  }
  return true;
}

// An entry as 16 bytes and a prefix length out of 128 (IPv4 as ::ffff:a.b.c.d, its length + 96).
function asMappedRange(entry: string): { bytes: Uint8Array; length: number } | undefined {
  const slash = entry.indexOf('/');
  const bytes = parseIpAddress(slash === -1 ? entry : entry.slice(0, slash));
  const lengthText = slash === -1 ? undefined : entry.slice(slash + 1);
  if (bytes === undefined || (lengthText !== undefined && !PREFIX_LENGTH_RE.test(lengthText))) return undefined;
  const bits = bytes.length * 8;
  const length = lengthText === undefined ? bits : Number(lengthText);
  if (length > bits) return undefined;
  if (bytes.length === 16) return { bytes, length };
  const mapped = new Uint8Array(16);
  mapped[10] = 0xff;
  mapped[11] = 0xff;
  mapped.set(bytes, 12);
  return { bytes: mapped, length: length + 96 };
}
