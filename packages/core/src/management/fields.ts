// Naming input fields in answers without ever echoing a key: a field name comes from the client
// and could be a pasted key.

/** `name` when it is a short identifier, safe to echo in an answer; otherwise undefined. */
export function safeFieldName(name: string): string | undefined {
  return /^[A-Za-z0-9_$-]{1,32}$/.test(name) ? name : undefined;
}
