// What the CLI removes from error text before printing it.
import { redactKeys } from '@keygate/core';

const LONG_TOKEN_RE = /[0-9A-Za-z]{40,}/g;
const URL_PASSWORD_RE = /([a-z][a-z0-9+.-]*:\/\/[^:@/\s]*):[^@/\s]*@/gi;

/**
 * Removes from error text anything that could be a key (see redactKeys) or another secret (a long
 * run of letters and digits), and passwords in URLs.
 */
export function redact(text: string): string {
  return redactKeys(text).replace(LONG_TOKEN_RE, '[redacted]').replace(URL_PASSWORD_RE, '$1:***@');
}
