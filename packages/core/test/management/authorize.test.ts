import { describe, expect, it, vi } from 'vitest';
import { createManagementApi } from '../../src/adapter.js';
import { KeygateError } from '../../src/errors.js';
import { setup } from '../support/helpers.js';

describe('a custom authorize', () => {
  it('that returns no owner makes a 500 and hands onError a KeygateError invalid_options naming it', async () => {
    const { keygate, createKey } = setup();
    const { apiKey } = await createKey({ scopes: ['keys:manage'] });
    const onError = vi.fn();
    const api = createManagementApi({ keygate, authorize: () => ({ owner: 42 as never }), onError });
    const response = await api({ method: 'GET', path: '/keys', contentType: undefined, body: undefined, apiKey });
    expect(response.status).toBe(500);
    expect(onError).toHaveBeenCalledTimes(1);
    const error = onError.mock.calls[0]?.[0];
    expect(error).toBeInstanceOf(KeygateError);
    expect(error).toMatchObject({ code: 'invalid_options', field: 'authorize' });
  });
});
