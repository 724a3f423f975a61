// Issue 17, item 1: every documented way of mounting keygate protects its handlers whatever the
// request does to the path (case, slashes, percent-encoding, dot segments) or the method. A test
// passes when no protected handler ran for a keyless request; the status (401, 404…) is free.
import type { CreatedKey } from '@keygate/core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createFixture } from './helpers.js';
import { BYPASSES, EXAMPLE_APPS, MOUNT_STYLES, type MountApp, type RunningExample, rawStatus } from './mount-apps.js';

/** The hostile spellings of `<base>/<leaf>`: each one a request a router might still send to the handler. */
function hostilePaths(base: string, leaf: string): string[] {
  const path = `${base}/${leaf}`;
  const capitalised = base.replace(
    /\/(\w)(\w*)/g,
    (_, first: string, rest: string) => `/${first.toUpperCase()}${rest}`,
  );
  const lastSegmentUpper = base.replace(/[^/]+$/, (segment) => segment.toUpperCase());
  const paths = [
    path,
    `${base.toUpperCase()}/${leaf}`,
    `${lastSegmentUpper}/${leaf}`,
    `${capitalised}/${leaf.toUpperCase()}`,
    path.toUpperCase(),
    `${path}/`,
    `/${path}`,
    `${base}//${leaf}`,
    `${base.toUpperCase()}//${leaf}/`,
    `${base}%2F${leaf}`,
    `${base}%2f${leaf}`,
    `/%${base.charCodeAt(1).toString(16)}${base.slice(2)}/${leaf}`,
    `${base}/%${leaf.charCodeAt(0).toString(16)}${leaf.slice(1)}`,
    `/x/..${path}`,
    `${base}/x/..%2F${leaf}`,
    `${base}/./${leaf}`,
  ];
  return [...new Set(paths)];
}

const METHODS = ['GET', 'HEAD', 'OPTIONS'] as const;

function hostileRequests(base: string, leaves = ['me', 'all']): Array<{ method: string; path: string }> {
  const paths = leaves.flatMap((leaf) => hostilePaths(base, leaf));
  return METHODS.flatMap((method) => paths.map((path) => ({ method, path })));
}

describe.each(MOUNT_STYLES)('$framework: $name', (style) => {
  const fx = createFixture();
  let app: MountApp;
  let valid: CreatedKey;

  beforeAll(async () => {
    valid = await fx.issue();
    app = await style.start(fx.keygate);
  });
  afterAll(() => app.close());
  beforeEach(() => {
    app.ran.length = 0;
  });

  it.each(['me', 'all'])('runs the protected handler of %s for a request with a valid key', async (leaf) => {
    expect(await rawStatus(app.port, 'GET', `${style.base}/${leaf}`, [`X-API-Key: ${valid.key}`])).toBe(200);
    expect(app.ran).toEqual([`GET ${style.base}/${leaf}`]);
  });

  it('answers 401 to a keyless request for the protected path as written', async () => {
    expect(await rawStatus(app.port, 'GET', `${style.base}/me`)).toBe(401);
  });

  it('serves the public route without a key', async () => {
    expect(await rawStatus(app.port, 'GET', '/public')).toBe(200);
  });

  it.each(hostileRequests(style.base))(
    'runs no protected handler for a keyless $method $path',
    async ({ method, path }) => {
      await rawStatus(app.port, method, path);
      expect(app.ran).toEqual([]);
    },
  );
});

// The examples' handlers do not record calls: a protected handler answering is a 2xx (GET /api/me
// answers 200 with the key, the management routes 200 or 201), refusals and misses are not.
describe.each(EXAMPLE_APPS)('the $name example', ({ start }) => {
  const fx = createFixture();
  let app: RunningExample;

  beforeAll(async () => {
    app = await start(fx.keygate);
  });
  afterAll(() => app.close());

  it.each(hostileRequests('/api', ['me', 'keys']))(
    'answers a keyless $method $path with no 2xx',
    async ({ method, path }) => {
      const status = await rawStatus(app.port, method, path);
      expect(Math.floor(status / 100), `status ${status}`).not.toBe(2);
    },
  );
});

// Why the README says where to mount: these pin the framework behaviour behind each warning. If a
// framework changes it, the pin fails and the warning can go.
describe.each(BYPASSES)('$style.framework, warned against: $style.name', ({ style, bypass }) => {
  const fx = createFixture();
  let app: MountApp;

  beforeAll(async () => {
    app = await style.start(fx.keygate);
  });
  afterAll(() => app.close());

  it('answers 401 to a keyless request for the protected path as written', async () => {
    expect(await rawStatus(app.port, 'GET', `${style.base}/me`)).toBe(401);
    expect(app.ran).toEqual([]);
  });

  it(`runs the protected handler of a keyless GET ${bypass}`, async () => {
    expect(await rawStatus(app.port, 'GET', bypass)).toBe(200);
    expect(app.ran).toEqual([`GET ${bypass}`]);
  });
});
