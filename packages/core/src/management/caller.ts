// Who acts on the management routes: the calling key as the store has it NOW (not as the
// verified-key cache remembers it), so a key revoked, disabled, expired, rotated or narrowed on any
// instance is refused or bounded at once.

import { authProblems, IP_NOT_ALLOWED, problem } from '../http/problem.js';
import type { KeygateResponse } from '../http/response.js';
import { ipAllowed } from '../key/allowlist.js';
import type { ApiKey } from '../key/record.js';
import { isActive } from '../key/state.js';
import { type Keygate, runtimeOf } from '../keygate/instance.js';

/** The current record of a key presented to the routes, or the response refusing it. */
export type CurrentKey =
  | { readonly ok: true; readonly key: ApiKey }
  | { readonly ok: false; readonly response: KeygateResponse };

/**
 * Re-reads `presented` from the store: refused with 401 when it no longer authenticates (revoked,
 * disabled, expired, replaced by rotation, or gone) and 403 when its current IP allowlist excludes `ip`.
 */
export async function currentKey(
  keygate: Keygate,
  presented: ApiKey,
  ip: string | null,
  realm: string,
): Promise<CurrentKey> {
  const key = await keygate.keys.get(presented.id);
  const problems = authProblems(realm);
  if (key === null) return refuse(problems.invalid);
  if (key.revokedAt !== null) return refuse(problems.revoked);
  if (key.disabledAt !== null) return refuse(problems.disabled);
  if (!isActive(key, runtimeOf(keygate).now())) return refuse(problems.expired);
  if (key.replacedBy !== null) return refuse(replaced(problems.invalid.headers));
  if (!ipAllowed(key, ip ?? undefined)) return refuse(IP_NOT_ALLOWED);
  return { ok: true, key };
}

function refuse(response: KeygateResponse): CurrentKey {
  return { ok: false, response };
}

function replaced(headers: Readonly<Record<string, string>>) {
  const { 'www-authenticate': challenge } = headers;
  return problem(401, 'invalid', 'The API key was replaced by rotation: use its replacement.', {
    'www-authenticate': challenge as string,
  });
}
