// What happens to a confirmed leaked key: the configured action, through the key lifecycle (so
// caches, the invalidation bus and the `revoked` / `disabled` events all follow), when the key
// still authenticates.

import { isKeygateError } from '../errors.js';
import type { LeakDetails, RequestContext } from '../events.js';
import type { ApiKey } from '../key/record.js';
import { isActive } from '../key/state.js';
import { type Keygate, runtimeOf } from '../keygate/instance.js';
import type { LeakAction } from './options.js';

/**
 * Applies `action` to a leaked key and says what was done. A key that no longer authenticates
 * (revoked or expired) is left alone; `disable` revokes a key replaced by rotation but still in its
 * grace period (such a key cannot be disabled); a key changed meanwhile is read again once.
 */
export async function actOnLeak(
  keygate: Keygate,
  key: ApiKey,
  action: LeakAction,
  context: RequestContext,
): Promise<LeakDetails['action']> {
  let current: ApiKey | null = key;
  for (let attempt = 0; ; attempt++) {
    try {
      return await apply(keygate, current, action, context);
    } catch (error) {
      if (attempt > 0 || !isKeygateError(error, 'conflict')) throw error;
    }
    current = await keygate.keys.get(key.id);
    if (current === null) return 'none';
  }
}

async function apply(
  keygate: Keygate,
  key: ApiKey,
  action: LeakAction,
  context: RequestContext,
): Promise<LeakDetails['action']> {
  if (action === 'report' || !isActive(key, runtimeOf(keygate).now())) return 'none';
  if (action === 'disable' && key.replacedBy === null) {
    if (key.disabledAt !== null) return 'none';
    await keygate.keys.disable(key.id, { context, ifVersion: key.version });
    return 'disabled';
  }
  await keygate.keys.revoke(key.id, { context, ifVersion: key.version });
  return 'revoked';
}
