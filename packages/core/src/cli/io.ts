// What the CLI reads and writes, and the small text helpers its output shares.
import type { ApiKey } from '../key/record.js';
import { redactKeys } from '../key/redaction.js';
import type { Invocation } from './args.js';

/** What the commands read from and write to. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** All of stdin, as text. */
  readStdin(): Promise<string>;
  readonly stdinIsTty: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Parsed option values. */
export type Values = Invocation['values'];

/** Prints `data` as JSON with `--json`, else the human text. */
export function printer(values: Values, io: CliIo) {
  return (data: unknown, human: string) => io.out(values.json === true ? `${JSON.stringify(data, null, 2)}\n` : human);
}

const LONG_TOKEN_RE = /[0-9A-Za-z]{40,}/g;
const URL_PASSWORD_RE = /([a-z][a-z0-9+.-]*:\/\/[^:@/\s]*):[^@/\s]*@/gi;

/**
 * Removes from error text anything that could be a key (see redactKeys) or another secret (a long
 * run of letters and digits), and passwords in URLs.
 */
export function redact(text: string): string {
  return redactKeys(text).replace(LONG_TOKEN_RE, '[redacted]').replace(URL_PASSWORD_RE, '$1:***@');
}

/** A string option's value, or undefined. */
export function text(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A key's state in one word. */
export function status(key: ApiKey): string {
  if (key.revokedAt !== null) return 'revoked';
  if (key.expiresAt !== null && key.expiresAt.getTime() <= Date.now()) return 'expired';
  return key.replacedBy === null ? 'active' : 'rotated';
}

/** `, expires <ISO date>`, or nothing for a key without expiry. */
export function until(key: ApiKey): string {
  return key.expiresAt === null ? '' : `, expires ${key.expiresAt.toISOString()}`;
}
