// openTelemetry() with the real OpenTelemetry SDK (in-memory exporters): the keygate.* attributes
// of each authentication on the active span (or a child span of its own), and the metrics.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KeygateError } from '../../src/errors.js';
import { createAuthenticator } from '../../src/http/authenticate.js';
import type { RequestAccessors } from '../../src/http/credentials.js';
import { createCreditGuard } from '../../src/http/credit-guard.js';
import type { KeygateOptions } from '../../src/keygate/options.js';
import { type OpenTelemetryOptions, openTelemetry } from '../../src/otel.js';
import type { RateLimiter } from '../../src/rate-limit/limiter.js';
import type { RateLimitOptions } from '../../src/rate-limit/options.js';
import { keyFrom, mutateAt, setup } from '../support/helpers.js';
import { otelSdk, pointValue } from '../support/otel.js';

interface TestRequest {
  rawHeaders: string[];
}
const accessors: RequestAccessors<TestRequest> = { raw: (req) => req, ip: () => '127.0.0.1', secure: () => true };
const withKey = (key: string): TestRequest => ({ rawHeaders: ['X-API-Key', key] });
const burst = { name: 'burst', limit: 1, windowSeconds: 60 };

let sdk: ReturnType<typeof otelSdk>;
beforeEach(() => {
  sdk = otelSdk();
});
afterEach(async () => {
  await sdk.close();
});

async function fixture(
  options: Omit<OpenTelemetryOptions, 'meterProvider' | 'tracerProvider'> = {},
  more: { rateLimit?: RateLimitOptions; keygate?: Partial<KeygateOptions> } = {},
) {
  const { meterProvider, tracerProvider } = sdk;
  const telemetry = openTelemetry({ meterProvider, tracerProvider, ...options });
  const env = setup({ telemetry, ...more.keygate });
  const authenticate = createAuthenticator(
    { keygate: env.keygate, onError: () => {}, rateLimit: more.rateLimit && { warn: () => {}, ...more.rateLimit } },
    accessors,
  );
  const valid = await env.createKey({ owner: 'acct_7' });
  // One request, inside a span standing for the HTTP server span of the application's instrumentation.
  const request = (key: string) => sdk.inSpan('GET /me', () => authenticate(withKey(key)));
  return { ...env, authenticate, valid, request };
}

const spanNamed = (name: string) => sdk.spans().filter((span) => span.name === name);

describe('openTelemetry() spans', () => {
  it('sets the key id, owner, outcome and cache miss on the active span of a request', async () => {
    const { request, valid } = await fixture();
    await request(valid.key);
    expect(spanNamed('GET /me')[0]?.attributes).toEqual({
      'keygate.key.id': valid.apiKey.id,
      'keygate.key.owner': 'acct_7',
      'keygate.outcome': 'verified',
      'keygate.cache': 'miss',
    });
  });

  it('marks a key verified before as a cache hit', async () => {
    const { request, valid } = await fixture();
    await request(valid.key);
    await request(valid.key);
    expect(spanNamed('GET /me')[1]?.attributes['keygate.cache']).toBe('hit');
  });

  it('sets the reason and the claimed key id of a wrong secret, and no owner', async () => {
    const { request, valid } = await fixture();
    await request(mutateAt(valid.key, valid.key.length - 10));
    const attributes = spanNamed('GET /me')[0]?.attributes ?? {};
    expect(attributes['keygate.outcome']).toBe('failed');
    expect(attributes['keygate.key.owner']).toBeUndefined();
    expect(['invalid', 'malformed']).toContain(attributes['keygate.reason']);
  });

  it('sets the rate-limit decision, and the outcome rate_limited over the limit', async () => {
    const { request, valid } = await fixture({}, { rateLimit: { defaults: [burst] } });
    await request(valid.key);
    await request(valid.key);
    const [first, second] = spanNamed('GET /me');
    expect(first?.attributes['keygate.rate_limit.decision']).toBe('allowed');
    expect(second?.attributes).toMatchObject({
      'keygate.rate_limit.decision': 'limited',
      'keygate.outcome': 'rate_limited',
    });
  });

  it("makes a keygate.authenticate span under the request's span with spans: 'child'", async () => {
    const { request, valid } = await fixture({ spans: 'child' });
    await request(valid.key);
    const [parent] = spanNamed('GET /me');
    const [child] = spanNamed('keygate.authenticate');
    expect(child?.parentSpanContext?.spanId).toBe(parent?.spanContext().spanId);
    expect(child?.attributes).toMatchObject({ 'keygate.key.id': expect.any(String), 'keygate.cache': 'miss' });
    expect(parent?.attributes).toEqual({});
  });

  it("writes no span attributes with spans: 'none', and still counts", async () => {
    const { request, valid } = await fixture({ spans: 'none' });
    await request(valid.key);
    expect(spanNamed('GET /me')[0]?.attributes).toEqual({});
    expect(pointValue((await sdk.metrics()).get('keygate.verifications'))).toBe(1);
  });
});

describe('openTelemetry() metrics', () => {
  it('counts verifications by outcome and reason, and cache lookups by result', async () => {
    const { request, valid } = await fixture();
    await request(valid.key);
    await request(valid.key);
    await request(keyFrom('kg', 'AAAAAAAAAAAA', 'B'.repeat(43)));
    const metrics = await sdk.metrics();
    const verifications = metrics.get('keygate.verifications');
    expect(pointValue(verifications, { 'keygate.outcome': 'verified' })).toBe(2);
    expect(pointValue(verifications, { 'keygate.outcome': 'failed', 'keygate.reason': 'invalid' })).toBe(1);
    expect(pointValue(metrics.get('keygate.cache.lookups'), { 'keygate.cache': 'hit' })).toBe(1);
    expect(pointValue(metrics.get('keygate.cache.lookups'), { 'keygate.cache': 'miss' })).toBe(2);
  });

  it('records hashing waits and reads the KDF queue depth when collected', async () => {
    const { authenticate, valid, hasher, createKey } = await fixture({}, { keygate: { kdf: { maxConcurrent: 1 } } });
    const other = await createKey();
    const release = hasher.hold();
    const first = authenticate(withKey(valid.key));
    const second = authenticate(withKey(other.key));
    await hasher.running(1);
    await vi.waitFor(async () => expect(pointValue((await sdk.metrics()).get('keygate.kdf.queue_depth'))).toBe(1));
    release();
    await Promise.all([first, second]);
    const metrics = await sdk.metrics();
    expect(pointValue(metrics.get('keygate.kdf.queue_depth'))).toBe(0);
    expect(pointValue(metrics.get('keygate.kdf.wait'))).toBeGreaterThanOrEqual(2);
    expect(metrics.get('keygate.kdf.wait')?.unit).toBe('ms');
  });

  it('counts rate-limit decisions, and requests refused because the limiter store is down', async () => {
    const down: RateLimiter = {
      consume: () => Promise.reject(new Error('ECONNREFUSED')),
      check: () => Promise.reject(new Error('ECONNREFUSED')),
    };
    const { request, valid } = await fixture(
      {},
      { rateLimit: { limiter: down, defaults: [burst], onStoreError: 'closed' } },
    );
    await request(valid.key);
    const metrics = await sdk.metrics();
    expect(
      pointValue(metrics.get('keygate.rate_limit.decisions'), { 'keygate.rate_limit.decision': 'unavailable' }),
    ).toBe(1);
    expect(pointValue(metrics.get('keygate.store.unavailable'), { 'keygate.store': 'rate_limit' })).toBe(1);
  });

  it('counts requests refused because the key store is down', async () => {
    const { request, store } = await fixture();
    store.inner.findById = () => Promise.reject(new KeygateError('store_unavailable', 'down'));
    await request(keyFrom('kg', 'AAAAAAAAAAAA', 'B'.repeat(43)));
    const metrics = await sdk.metrics();
    expect(pointValue(metrics.get('keygate.store.unavailable'), { 'keygate.store': 'keys' })).toBe(1);
    expect(spanNamed('GET /me')[0]?.attributes['keygate.reason']).toBe('unavailable');
  });

  it('counts the credits requests spend, by allowance', async () => {
    const { keygate, valid } = await fixture();
    await keygate.credits.set({ owner: 'acct_7' }, { remaining: 100 });
    await keygate.credits.set({ keyId: valid.apiKey.id }, { remaining: 50 });
    const guard = createCreditGuard(5, { keygate }, accessors);
    expect((await guard(valid.apiKey, withKey(valid.key))).ok).toBe(true);
    const spent = (await sdk.metrics()).get('keygate.credits.spent');
    expect(pointValue(spent, { 'keygate.credits.allowance': 'owner' })).toBe(5);
    expect(pointValue(spent, { 'keygate.credits.allowance': 'key' })).toBe(5);
  });

  it('gives every metric a unit and a description, and no key id or owner attribute', async () => {
    const { request, valid } = await fixture();
    await request(valid.key);
    for (const metric of (await sdk.metrics()).values()) {
      expect(metric.name).toMatch(/^keygate\./);
      expect(metric.unit).not.toBe('');
      expect(metric.description).not.toBe('');
      for (const point of metric.points) {
        expect(Object.keys(point.attributes)).not.toContain('keygate.key.id');
        expect(Object.keys(point.attributes)).not.toContain('keygate.key.owner');
      }
    }
  });
});

describe('openTelemetry() options', () => {
  it('rejects an unknown spans mode and a provider that is not one', () => {
    expect(() => openTelemetry({ spans: 'all' as 'active' })).toThrow(/`spans` is/);
    expect(() => openTelemetry({ meterProvider: {} as never })).toThrow(/`meterProvider` must be/);
  });

  it('uses the global providers by default', () => {
    expect(() => setup({ telemetry: openTelemetry() })).not.toThrow();
  });
});
