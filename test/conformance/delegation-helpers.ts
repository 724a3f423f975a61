// Fixtures of the delegation section: an owner's keys of different powers, a second instance on
// the same store; meetingStore (test/support) makes two lifecycle writes meet before either lands.
import type { CreatedKey, CreateKeyInput, Keygate, KeygateOptions, KeyStore } from '@keygate/core';
import request from 'supertest';
import { createFixture } from './helpers.js';
import type { GateOptions, ManagementAdapter, ManagementApp, MountOptions } from './management-apps.js';

export { meetingStore } from '../support/meeting-store.js';

/** The owner whose keys the tests manage. */
export const OWNER = 'acct_1';
/** Content type of every state-changing request. */
export const JSON_TYPE = { 'content-type': 'application/json' } as const;

/** What a delegation test starts: an app, its keygate and store, and keys of the owner. */
export interface DelegationFixture {
  readonly keygate: Keygate;
  readonly store: KeyStore;
  readonly http: ReturnType<typeof request>;
  /** Creates a key of the owner (any input) straight through the library. */
  issue(input?: Partial<CreateKeyInput>): Promise<CreatedKey>;
  /** The header that presents a key. */
  as(key: CreatedKey): { 'x-api-key': string };
  /** Every key id of the owner, active or not, as the store has them. */
  ids(): Promise<string[]>;
  /** Whether a key authenticates now (through the library, uncached). */
  works(key: CreatedKey): Promise<boolean>;
}

/** Starts one adapter's management app over a fresh store. */
export async function startDelegation(
  adapter: ManagementAdapter,
  options: { mount?: MountOptions; keygate?: Partial<KeygateOptions>; gate?: GateOptions; store?: KeyStore } = {},
  apps: ManagementApp[] = [],
): Promise<DelegationFixture> {
  const { keygate, store } = createFixture({ store: options.store, ...options.keygate });
  const app = await adapter.start(keygate, options.mount, options.gate);
  apps.push(app);
  return fixtureOf(keygate, store, app);
}

/** Another keygate instance on the same store, as a second process would be: its own cache, no bus. */
export function secondInstance(store: KeyStore, options: Partial<KeygateOptions> = {}): Keygate {
  return createFixture({ store, ...options }).keygate;
}

function fixtureOf(keygate: Keygate, store: KeyStore, app: ManagementApp): DelegationFixture {
  return {
    keygate,
    store,
    http: request(app.server),
    issue: (input = {}) => keygate.keys.create({ name: 'a key', owner: OWNER, ...input }),
    as: (key) => ({ 'x-api-key': key.key }),
    ids: async () => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await keygate.keys.list(OWNER, { state: 'all', cursor });
        ids.push(...page.keys.map((k) => k.id));
        cursor = page.nextCursor;
      } while (cursor !== null);
      return ids;
    },
    works: async (key) => {
      keygate.evict();
      return (await keygate.verify(key.key)).ok;
    },
  };
}
