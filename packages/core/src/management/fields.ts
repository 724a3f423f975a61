// Naming input fields in answers without ever echoing a key: a field name comes from the client
// and could be a pasted key. The rule itself is isSafeToEcho (redaction.ts).
import { isSafeToEcho } from '../key/redaction.js';

/** `name` when it is safe to echo in an answer (see isSafeToEcho); otherwise undefined. */
export function safeFieldName(name: string): string | undefined {
  return isSafeToEcho(name) ? name : undefined;
}
