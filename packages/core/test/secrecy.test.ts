import { describe, expect, it } from 'vitest';
import { hmacSha256Hasher } from '../src/hashing/hmac.js';
import { scryptHasher } from '../src/hashing/scrypt.js';
import { createAuthenticator } from '../src/http/authenticate.js';
import { createCredentialReader, type RequestAccessors, resolveKeySources } from '../src/http/credentials.js';
import { createScopeGuard } from '../src/http/scope-guard.js';
import { KEY_CHECKSUM_LENGTH, parseKey } from '../src/key/format.js';
import { assertGrantableScope, assertRequirableScope } from '../src/key/scopes.js';
import { createKeygate } from '../src/keygate/create.js';
import { runtimeOf } from '../src/keygate/instance.js';
import { MemoryStore } from '../src/stores/memory.js';
import { mutateAt, setup } from './support/helpers.js';

interface TestRequest {
  rawHeaders: string[];
  query?: Record<string, unknown>;
}

const accessors: RequestAccessors<TestRequest> = {
  raw: (req) => req,
  ip: () => '127.0.0.1',
  secure: () => true,
  query: (req, name) => req.query?.[name],
  cookie: () => undefined,
};

/** Everything a thrown value can show: name, message, stack and own properties. */
function describeThrown(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return [error.name, error.message, error.stack, JSON.stringify(error), String(error.cause)].join('\n');
}

/** What an action returns (serialised) or throws. */
async function capture(action: () => unknown): Promise<string> {
  try {
    return JSON.stringify((await action()) ?? null);
  } catch (error) {
    return describeThrown(error);
  }
}

/** What an action throws, or nothing when it succeeds. */
async function thrown(action: () => unknown): Promise<string> {
  try {
    await action();
    return '';
  } catch (error) {
    return describeThrown(error);
  }
}

describe('secrecy', () => {
  it('no key ever appears in any error message, problem body or thrown error', async () => {
    const { keygate, store, clock, createKey } = setup({ failures: { maxPerId: 2 } });
    const { key: planted, apiKey } = await createKey();
    const parsed = parseKey(planted);
    if (!parsed.ok) throw new Error('unreachable');
    const { secret } = parsed.key;
    const { key: second } = await createKey({ expiresIn: 1000 });

    const logged: unknown[] = [];
    const authenticate = createAuthenticator(
      {
        keygate,
        sources: [{ in: 'header', name: 'x-api-key' }, { in: 'bearer' }, { in: 'query', name: 'api_key' }],
        onError: (error) => logged.push(error),
      },
      accessors,
    );
    const auth = (req: TestRequest) => capture(() => authenticate(req));
    const variants = [
      planted,
      planted.slice(0, -1),
      `${planted}x`,
      mutateAt(planted, planted.length - KEY_CHECKSUM_LENGTH - 1),
      mutateAt(planted, planted.length - 1),
      planted.toUpperCase(),
      planted.repeat(3),
      ` ${planted}`,
      `Bearer ${planted}`,
    ];

    const outputs: string[] = [];
    for (const variant of variants) {
      outputs.push(await capture(() => keygate.verify(variant)));
      outputs.push(await capture(() => runtimeOf(keygate).peek(variant)));
      outputs.push(await auth({ rawHeaders: ['X-API-Key', variant] }));
      outputs.push(await auth({ rawHeaders: ['Authorization', `Bearer ${variant}`] }));
      outputs.push(await auth({ rawHeaders: [], query: { api_key: [variant, 1] } }));
      outputs.push(await auth({ rawHeaders: ['X-API-Key', variant, 'X-API-Key', second] }));
    }
    // Throttled (busy), expired and revoked, then a failing store.
    for (let i = 0; i < 3; i++) outputs.push(await auth({ rawHeaders: ['X-API-Key', mutateAt(planted, 40)] }));
    clock.advance(1000);
    outputs.push(await auth({ rawHeaders: ['X-API-Key', second] }));
    outputs.push(await capture(() => keygate.keys.revoke(apiKey.id)));
    outputs.push(await auth({ rawHeaders: ['X-API-Key', planted] }));
    keygate.evict();
    store.failWith(new Error('store down'));
    outputs.push(await auth({ rawHeaders: ['X-API-Key', planted] }));
    outputs.push(...logged.map(describeThrown));
    store.failWith(undefined);

    // A key passed where something else belongs.
    outputs.push(
      await thrown(() => keygate.keys.revoke(planted)),
      await thrown(() => keygate.keys.get(planted)),
      await thrown(() => keygate.keys.list(planted)),
      await thrown(() => keygate.keys.create({ name: `${planted}\n`, owner: 'o' })),
      await thrown(() => keygate.keys.create({ name: 'n', owner: planted.repeat(10) })),
      await thrown(() => keygate.keys.create({ name: 'n', owner: 'o', scopes: [planted] })),
      await thrown(() => keygate.keys.create({ name: 'n', owner: 'o', scopes: [secret] })),
      await thrown(() => keygate.keys.create({ name: 'n', owner: 'o', metadata: [planted] as never })),
      await thrown(() => keygate.keys.create({ name: 'n', owner: 'o', expiresAt: planted as never })),
      await thrown(() => keygate.keys.create({ name: 'n', owner: 'o', expiresIn: planted as never })),
      await thrown(() => assertGrantableScope(planted)),
      await thrown(() => assertRequirableScope(planted.toLowerCase())),
      await thrown(() => createScopeGuard(planted)),
      await thrown(() => createScopeGuard(['users:read', secret])),
      await thrown(() => createKeygate({ store: new MemoryStore(), prefix: planted })),
      await thrown(() => createKeygate({ store: new MemoryStore(), acceptedPrefixes: [planted] })),
      await thrown(() => createKeygate({ store: new MemoryStore(), cache: { max: planted as never } })),
      await thrown(() => createAuthenticator({ keygate, realm: planted }, accessors)),
      await thrown(() => resolveKeySources([{ in: 'header', name: planted }])),
      await thrown(() =>
        createCredentialReader(resolveKeySources([{ in: 'cookie', name: planted }]), {
          raw: accessors.raw,
          ip: accessors.ip,
          secure: accessors.secure,
        }),
      ),
      await thrown(() => hmacSha256Hasher({ pepperId: planted })),
      await thrown(() => hmacSha256Hasher({ pepper: secret })),
      await thrown(() => scryptHasher({ logN: planted as never })),
    );

    expect(outputs.length).toBeGreaterThan(70);
    const fragments = [
      planted,
      secret,
      ...Array.from({ length: secret.length - 11 }, (_, i) => secret.slice(i, i + 12)),
    ];
    const lower = fragments.map((f) => f.toLowerCase());
    for (const output of outputs) {
      const text = output.toLowerCase();
      for (const fragment of lower) expect(text).not.toContain(fragment);
    }
  });
});
