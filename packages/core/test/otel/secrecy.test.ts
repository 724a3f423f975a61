// No span or metric of openTelemetry() ever carries a key, its secret or its stored hash, in any
// encoding, whatever the request's outcome.
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createAuthenticator } from '../../src/http/authenticate.js';
import type { RequestAccessors } from '../../src/http/credentials.js';
import { parseKey } from '../../src/key/format.js';
import { openTelemetry } from '../../src/otel.js';
import { mutateAt, setup } from '../support/helpers.js';
import { everyAttributeValue, otelSdk } from '../support/otel.js';

interface TestRequest {
  rawHeaders: string[];
}
const accessors: RequestAccessors<TestRequest> = { raw: (req) => req, ip: () => '127.0.0.1', secure: () => true };

let sdk: ReturnType<typeof otelSdk>;
beforeEach(() => {
  sdk = otelSdk();
});
afterEach(async () => {
  await sdk.close();
});

// The forms a secret could leak in: as is, base64, base64url and hex (of the text, and of the stored hash).
function forms(secret: string): string[] {
  const bytes = Buffer.from(secret);
  return [secret, bytes.toString('base64'), bytes.toString('base64url'), bytes.toString('hex')];
}

it.each(['active', 'child'] as const)(
  'never exports the key, its secret or its hash in a span or metric attribute (spans: %s)',
  async (spans) => {
    const { meterProvider, tracerProvider } = sdk;
    const env = setup({ telemetry: openTelemetry({ meterProvider, tracerProvider, spans }) });
    const authenticate = createAuthenticator(
      {
        keygate: env.keygate,
        rateLimit: { defaults: [{ name: 'burst', limit: 2, windowSeconds: 60 }], warn: () => {} },
      },
      accessors,
    );
    const valid = await env.createKey();
    const revoked = await env.createKey();
    await env.keygate.keys.revoke(revoked.apiKey.id);
    const wrong = mutateAt(valid.key, valid.key.length - 10);
    const presented = [valid.key, valid.key, valid.key, wrong, revoked.key, `${valid.key}x`];
    for (const key of presented) {
      await sdk.inSpan('request', () => authenticate({ rawHeaders: ['X-API-Key', key] }));
    }

    const record = await env.store.inner.findById(valid.apiKey.id);
    const parsed = parseKey(valid.key);
    if (!parsed.ok || record === null) throw new Error('expected a stored key');
    const secrets = [valid.key, wrong, revoked.key, parsed.key.secret, record.hash].flatMap(forms);
    const values = everyAttributeValue(sdk.spans(), await sdk.metrics());
    expect(values).toContain(valid.apiKey.id);
    for (const value of values) for (const secret of secrets) expect(value).not.toContain(secret);
  },
);
