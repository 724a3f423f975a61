// Who a client is, for the limits that count per client (the failed-authentication guard, fair
// hashing): its address as the framework resolved it, validated and bounded first, because behind
// a trusted proxy it comes from a header anyone can write.
import { formatIpAddress, normaliseIpEntry, parseIpAddress } from '../key/ip.js';

/** The one subject of every client whose "address" is not an IP address: they share their limits. */
export const UNKNOWN_CLIENT = 'unknown';

/** Default prefix length IPv6 clients are grouped by: a /64 is what one host or site is usually given. */
export const DEFAULT_IPV6_PREFIX = 64;

/**
 * The subject `address` counts under: an IPv4 address (IPv4-mapped IPv6 included) as itself, an
 * IPv6 address as its network of `ipv6Prefix` bits (so a host cannot rotate through its /64), and
 * anything else (garbage, a 600-character forwarded header) as {@link UNKNOWN_CLIENT}. Undefined
 * when there is no address at all. Never throws.
 */
export function clientSubject(address: string | undefined, ipv6Prefix: number): string | undefined {
  if (address === undefined || address === '') return undefined;
  const zone = address.indexOf('%');
  const bytes = parseIpAddress(zone === -1 ? address : address.slice(0, zone));
  if (bytes === undefined) return UNKNOWN_CLIENT;
  const text = formatIpAddress(bytes);
  if (bytes.length === 4 || (text.startsWith('::ffff:') && text.includes('.'))) return text.replace(/^::ffff:/, '');
  return normaliseIpEntry(`${text}/${ipv6Prefix}`) ?? UNKNOWN_CLIENT;
}
