import { describe, expect, it } from 'vitest';
import { isKeygateError } from '../../src/errors.js';
import { createEnvironmentGuard } from '../../src/http/environment-guard.js';
import type { ApiKey } from '../../src/key/record.js';
import { apiKeyWith } from '../support/helpers.js';

const keyIn = (environment: string | null): ApiKey => ({ ...apiKeyWith({ id: 'abcdefghijkl' }), environment });

describe('createEnvironmentGuard', () => {
  it('lets a key of the required environment pass', () => {
    expect(createEnvironmentGuard('live')(keyIn('live'))).toBeUndefined();
  });

  it('answers 403 wrong_environment naming the required environment to a key of another one', () => {
    const response = createEnvironmentGuard('live')(keyIn('test'));
    expect(response?.status).toBe(403);
    expect(response?.headers['content-type']).toBe('application/problem+json');
    expect(response?.body).toMatchObject({ code: 'wrong_environment', requiredEnvironment: 'live' });
    expect(response?.body.detail).toContain('live');
  });

  it('answers 403 wrong_environment to a key without an environment', () => {
    expect(createEnvironmentGuard('live')(keyIn(null))?.body.code).toBe('wrong_environment');
  });

  it('answers 401 missing with the realm challenge when the request has no key', () => {
    const guard = createEnvironmentGuard('live', { realm: 'billing' });
    for (const key of [undefined, null]) {
      const response = guard(key);
      expect(response?.status).toBe(401);
      expect(response?.body.code).toBe('missing');
      expect(response?.headers['www-authenticate']).toBe('Bearer realm="billing"');
    }
  });

  it('refuses an environment name that is not a short lower-case identifier at build time', () => {
    for (const name of ['', 'Live', '1live', 'x'.repeat(33), 42]) {
      expect(() => createEnvironmentGuard(name as string)).toThrow(
        expect.objectContaining({ code: 'invalid_options' }),
      );
    }
  });

  it('refuses options that are not an object', () => {
    try {
      createEnvironmentGuard('live', 'api' as never);
      expect.unreachable();
    } catch (error) {
      expect(isKeygateError(error, 'invalid_options')).toBe(true);
    }
  });
});
