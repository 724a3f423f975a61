// createKeygate's `telemetry` option: checked when given, its hooks unable to break a request, and
// nothing of OpenTelemetry loaded by any entry point but `@keygate/core/otel`.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { createAuthenticator } from '../../src/http/authenticate.js';
import type { RequestAccessors } from '../../src/http/credentials.js';
import type { AuthenticationReport, KeygateTelemetry } from '../../src/telemetry/telemetry.js';
import { expectKeygateError, setup } from '../support/helpers.js';

interface TestRequest {
  rawHeaders: string[];
}
const accessors: RequestAccessors<TestRequest> = { raw: (req) => req, ip: () => '127.0.0.1', secure: () => true };

// Telemetry recording every hook call, in order.
function recording(overrides: Partial<KeygateTelemetry> = {}) {
  const calls: Array<[string, ...unknown[]]> = [];
  const hook =
    (name: string) =>
    (...args: unknown[]) =>
      void calls.push([name, ...args]);
  const telemetry: KeygateTelemetry = {
    bind: hook('bind'),
    cache: hook('cache'),
    rateLimit: hook('rateLimit'),
    authenticated: hook('authenticated'),
    kdfWait: hook('kdfWait'),
    storeUnavailable: hook('storeUnavailable'),
    creditsSpent: hook('creditsSpent'),
    ...overrides,
  };
  return { telemetry, calls };
}

describe('the telemetry option', () => {
  it('tells one request with a key as cache, then authenticated, with the same request object', async () => {
    const { telemetry, calls } = recording();
    const env = setup({ telemetry });
    const authenticate = createAuthenticator({ keygate: env.keygate }, accessors);
    const valid = await env.createKey();
    const request = { rawHeaders: ['X-API-Key', valid.key] };
    calls.length = 0;
    await authenticate(request);
    const report: AuthenticationReport = {
      outcome: 'verified',
      reason: undefined,
      keyId: valid.apiKey.id,
      owner: 'acct_1',
    };
    expect(calls.filter(([name]) => name !== 'kdfWait')).toEqual([
      ['cache', request, false],
      ['authenticated', request, report],
    ]);
  });

  it('tells nothing of a request without a key', async () => {
    const { telemetry, calls } = recording();
    const env = setup({ telemetry });
    const authenticate = createAuthenticator({ keygate: env.keygate, optional: true }, accessors);
    calls.length = 0;
    await authenticate({ rawHeaders: [] });
    expect(calls).toEqual([]);
  });

  it('logs a throwing hook once and still answers the request', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    const { telemetry } = recording({
      authenticated: () => {
        throw new Error('exporter down');
      },
    });
    const env = setup({ telemetry });
    const authenticate = createAuthenticator({ keygate: env.keygate }, accessors);
    const valid = await env.createKey();
    for (let i = 0; i < 3; i++) {
      expect(await authenticate({ rawHeaders: ['X-API-Key', valid.key] })).toMatchObject({ ok: true });
    }
    expect(error).toHaveBeenCalledTimes(1);
    error.mockRestore();
  });

  it('rejects a telemetry object without every hook', async () => {
    const { telemetry } = recording();
    const { creditsSpent: _, ...partial } = telemetry;
    await expectKeygateError(
      Promise.resolve().then(() => setup({ telemetry: partial as KeygateTelemetry })),
      'invalid_options',
    );
  });
});

describe('OpenTelemetry stays out of every other entry point', () => {
  const root = fileURLToPath(new URL('../..', import.meta.url));

  it('imports @opentelemetry only from src/otel', () => {
    const files = readdirSync(join(root, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.ts'),
    );
    const importing = files.filter((file) =>
      /from '@opentelemetry\//.test(readFileSync(join(root, 'src', file), 'utf8')),
    );
    expect(importing.sort()).toEqual(['otel/instruments.ts', 'otel/spans.ts', 'otel/telemetry.ts']);
  });

  it('references @opentelemetry in no built file but the otel entry', () => {
    const built = readdirSync(join(root, 'dist')).filter((file) => /\.(c?js|d\.c?ts)$/.test(file));
    expect(built).toContain('index.js');
    const referencing = built.filter((file) =>
      readFileSync(join(root, 'dist', file), 'utf8').includes('@opentelemetry'),
    );
    expect(referencing.sort()).toEqual(['otel.cjs', 'otel.d.cts', 'otel.d.ts', 'otel.js']);
  });
});
