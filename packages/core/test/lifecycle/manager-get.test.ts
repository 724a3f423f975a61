// KeyManager.get (keygate.keys.get): one key's public metadata by id.
import { describe, expect, it } from 'vitest';
import { setup } from '../support/helpers.js';

describe('keys.get', () => {
  it('returns a key’s public metadata', async () => {
    const { keygate, createKey } = setup();
    const { apiKey } = await createKey();
    expect(await keygate.keys.get(apiKey.id)).toEqual(apiKey);
  });

  it('returns null for an unknown id', async () => {
    const { keygate } = setup();
    expect(await keygate.keys.get('000000000000')).toBeNull();
  });
});
