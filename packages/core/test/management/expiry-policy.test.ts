// The key lifetime policy (`createKeygate({ expiry })`) as the management routes answer it.
import { describe, expect, it } from 'vitest';
import { createManagementApi } from '../../src/adapter.js';
import { setup } from '../support/helpers.js';

const DAY = 86_400_000;

async function fixture() {
  const base = setup({ expiry: { defaultMs: 30 * DAY, maxMs: 90 * DAY } });
  const admin = await base.createKey({ name: 'admin', owner: 'acct_1', scopes: ['keys:manage'], expiresIn: 90 * DAY });
  const api = createManagementApi({ keygate: base.keygate });
  const call = (method: string, path: string, body?: unknown) =>
    api({ method, path, contentType: 'application/json', body, apiKey: admin.apiKey });
  return { ...base, call };
}

describe('management routes under an expiry policy', () => {
  it('answers 400 problem+json naming expiresAt and the policy for an expiry beyond maxMs', async () => {
    const { call } = await fixture();
    const response = await call('POST', '/keys', { name: 'n', expiresIn: 91 * DAY });
    expect(response.status).toBe(400);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(JSON.stringify(response.body))).toMatchObject({
      status: 400,
      code: 'invalid_request',
      field: 'expiresAt',
      detail: expect.stringContaining('expiry.maxMs policy'),
    });
  });

  it('gives a key created without an expiry the default one', async () => {
    const { call, clock } = await fixture();
    const response = await call('POST', '/keys', { name: 'n' });
    expect(response.status).toBe(201);
    const { apiKey } = JSON.parse(JSON.stringify(response.body));
    expect(apiKey.expiresAt).toBe(new Date(clock.now() + 30 * DAY).toISOString());
  });
});
