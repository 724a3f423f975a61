// OpenTelemetry, identical on every adapter: with createKeygate's `telemetry: openTelemetry()`, one
// request puts its keygate.* attributes on the HTTP server span (made here as HTTP instrumentation
// makes it: active around the request's handling) and counts in the metrics, never with the key.
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { openTelemetry } from '@keygate/core/otel';
import { context, type Tracer, trace } from '@opentelemetry/api';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { everyAttributeValue, otelSdk, pointValue } from '../../packages/core/test/support/otel.js';
import { adapters, ROUTES, type RunningApp } from './apps.js';
import { createFixture, type Fixture, flipOneChar } from './helpers.js';

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

// Runs every request of `server` inside a server span named `HTTP <path>`, ended with the response.
function traceRequests(server: Server, tracer: Tracer): void {
  const listeners = server.listeners('request') as RequestListener[];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const span = tracer.startSpan(`HTTP ${req.url}`);
    res.on('close', () => span.end());
    context.with(trace.setSpan(context.active(), span), () => {
      for (const listener of listeners) listener.call(server, req, res);
    });
  });
}

describe.each(adapters)('$name: OpenTelemetry', (adapter) => {
  let sdk: ReturnType<typeof otelSdk>;
  let fx: Fixture;
  let app: RunningApp;

  beforeAll(async () => {
    sdk = otelSdk(); // one SDK (and global context manager) at a time
    const { meterProvider, tracerProvider } = sdk;
    fx = createFixture({ telemetry: openTelemetry({ meterProvider, tracerProvider }) });
    app = await adapter.start({ keygate: fx.keygate });
    traceRequests(app.server, sdk.tracer);
  });
  afterAll(async () => {
    await app.close();
    await sdk.close();
  });

  // The span of the one request to `path`, once it has ended.
  const spanOf = (path: string) =>
    vi.waitFor(() => {
      const found = sdk.spans().filter((span) => span.name === `HTTP ${path}`);
      expect(found).toHaveLength(1);
      return found[0] as (typeof found)[number];
    });

  it("puts the key's id and owner, the outcome and the cache result on the request's span", async () => {
    const { key, apiKey } = await fx.issue([], { owner: `otel_${adapter.name}` });
    await request(app.server).get(`${ROUTES.me.path}?first`).set('X-API-Key', key).expect(200);
    await request(app.server).get(`${ROUTES.me.path}?second`).set('X-API-Key', key).expect(200);
    expect((await spanOf(`${ROUTES.me.path}?first`)).attributes).toEqual({
      'keygate.key.id': apiKey.id,
      'keygate.key.owner': `otel_${adapter.name}`,
      'keygate.outcome': 'verified',
      'keygate.cache': 'miss',
    });
    expect((await spanOf(`${ROUTES.me.path}?second`)).attributes).toMatchObject({ 'keygate.cache': 'hit' });
  });

  it("puts a refusal's reason on the span and counts it, with the key nowhere", async () => {
    const { key } = await fx.issue();
    const wrong = flipOneChar(key);
    await request(app.server)
      .get(`${ROUTES.me.path}?refused`)
      .set('X-API-Key', wrong)
      .expect((res) => {
        expect([400, 401]).toContain(res.status);
      });
    const span = await spanOf(`${ROUTES.me.path}?refused`);
    expect(span.attributes['keygate.outcome']).toBe('failed');
    expect(typeof span.attributes['keygate.reason']).toBe('string');
    const metrics = await sdk.metrics();
    expect(pointValue(metrics.get('keygate.verifications'), { 'keygate.outcome': 'failed' })).toBeGreaterThan(0);
    expect(pointValue(metrics.get('keygate.verifications'), { 'keygate.outcome': 'verified' })).toBeGreaterThan(0);
    expect(pointValue(metrics.get('keygate.cache.lookups'), { 'keygate.cache': 'hit' })).toBeGreaterThan(0);
    const secrets = [key, wrong].flatMap((k) => [k, Buffer.from(k).toString('base64'), Buffer.from(k).toString('hex')]);
    for (const value of everyAttributeValue(sdk.spans(), metrics)) {
      for (const secret of secrets) expect(value).not.toContain(secret);
    }
  });
});
