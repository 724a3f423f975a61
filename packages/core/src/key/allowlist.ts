// Per-key IP allowlists at request time: each key's list compiled once into a node:net BlockList.
import { BlockList } from 'node:net';
import { formatIpAddress, parseIpAddress } from './ip.js';
import type { ApiKey } from './record.js';

// Keyed by the frozen ApiKey object, which the verified-key cache hands out again on every hit:
// a list is compiled once per verification from the store, and dropped with the key object.
const compiled = new WeakMap<ApiKey, BlockList>();

/**
 * Whether `address` (the client address as the framework resolved it) may use `key`: always true
 * for a key without an allowlist, false for an unknown or unparsable address. IPv4-mapped IPv6
 * addresses (`::ffff:192.0.2.1`) are compared as the IPv4 address they carry, on both sides.
 */
export function ipAllowed(key: ApiKey, address: string | undefined): boolean {
  const allowed = key.allowedIps;
  if (allowed === null || allowed === undefined) return true;
  if (address === undefined || address === '') return false;
  const client = toComparable(address);
  if (client === undefined) return false;
  let list = compiled.get(key);
  if (list === undefined) {
    list = compile(allowed);
    compiled.set(key, list);
  }
  return list.check(client.address, client.family);
}

type Family = 'ipv4' | 'ipv6';

/** Compiles allowlist entries (addresses or CIDR ranges, normalised when stored); invalid entries match nothing. */
export function compile(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const slash = entry.indexOf('/');
    const host = toComparable(slash === -1 ? entry : entry.slice(0, slash));
    if (host === undefined) continue;
    const bits = host.family === 'ipv4' ? 32 : 128;
    // A range inside ::ffff:0:0/96 is an IPv4 range: its prefix length counts from bit 96.
    const length = slash === -1 ? bits : Number(entry.slice(slash + 1)) - (host.mapped ? 96 : 0);
    if (!Number.isInteger(length) || length < 0 || length > bits) continue;
    if (length === bits) list.addAddress(host.address, host.family);
    else list.addSubnet(host.address, length, host.family);
  }
  return list;
}

// An address in the form BlockList compares: IPv4-mapped IPv6 as IPv4, zone ids dropped.
function toComparable(text: string): { address: string; family: Family; mapped: boolean } | undefined {
  const zone = text.indexOf('%');
  const bytes = parseIpAddress(zone === -1 ? text : text.slice(0, zone));
  if (bytes === undefined) return undefined;
  if (bytes.length === 4) return { address: formatIpAddress(bytes), family: 'ipv4', mapped: false };
  if (isIpv4Mapped(bytes)) return { address: bytes.subarray(12).join('.'), family: 'ipv4', mapped: true };
  return { address: formatIpAddress(bytes), family: 'ipv6', mapped: false };
}

function isIpv4Mapped(bytes: Uint8Array): boolean {
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return false;
  return bytes[10] === 0xff && bytes[11] === 0xff;
}
