// No key in any message: the one redaction rule (events, CLI) and the one "safe to echo" rule
// (error messages quoting input), and every place that uses them.
import { describe, expect, it } from 'vitest';
import type { KeygateError } from '../../src/errors.js';
import type { RequestAccessors } from '../../src/http/credentials.js';
import { requestContext } from '../../src/http/request-events.js';
import { generateKey, KEY_ID_LENGTH } from '../../src/key/format.js';
import { isSafeToEcho, quoteSafely, redactKeys } from '../../src/key/redaction.js';
import { assertGrantableScope, assertRequirableScope } from '../../src/key/scopes.js';
import { checkRateLimits } from '../../src/lifecycle/limits.js';
import { safeFieldName } from '../../src/management/fields.js';
import { setup } from '../support/helpers.js';

const { key, secret } = generateKey('kg');
const live = generateKey('sk_live');
// Every character as %XX, in upper- and lower-case hex.
const fullyEncoded = [...key].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).join('');
const fullyEncodedLower = fullyEncoded.toLowerCase();

/** True when `text` holds the planted key's secret in any of the forms a test could plant it. */
function leaks(text: string): boolean {
  return [secret, fullyEncoded, fullyEncodedLower, Buffer.from(key).toString('base64')].some((form) =>
    text.includes(form),
  );
}

describe('redactKeys', () => {
  it('blanks a key standing alone', () => {
    expect(redactKeys(key)).toBe('[redacted]');
  });

  it('blanks a key in a path segment joined to word characters after it', () => {
    expect(redactKeys(`/files/${key}_v2`)).toBe('/files/[redacted]_v2');
  });

  it('blanks a key joined to word characters before it, whatever they are', () => {
    for (const text of [`/files/v2${key}`, `/files/V${key}`, `/files/x_${key}`, `/files/${key}abc`]) {
      expect(leaks(redactKeys(text)), text).toBe(false);
    }
  });

  it('blanks a key behind a percent-encoded character', () => {
    expect(redactKeys(`/x%20${key}`)).toBe('/x%20[redacted]');
    expect(redactKeys(`/a%2F${key}`)).toBe('/a%2F[redacted]');
    // Decoded, `a_kg` is itself shaped like a prefix: it goes with the key.
    expect(redactKeys(`/a%5F${key}`)).toBe('/[redacted]');
  });

  it('blanks a key whose underscores are percent-encoded, keeping the encoded form of the rest', () => {
    const encoded = key.replaceAll('_', '%5F');
    expect(redactKeys(`/x%20y/${encoded}/more`)).toBe('/x%20y/[redacted]/more');
  });

  it('blanks a fully percent-encoded key, in upper- or lower-case hex', () => {
    expect(redactKeys(`/k/${fullyEncoded}`)).toBe('/k/[redacted]');
    expect(redactKeys(`/k/${fullyEncodedLower}?`)).toBe('/k/[redacted]?');
  });

  it('blanks a key percent-encoded twice', () => {
    expect(redactKeys(`/k/${key.replaceAll('_', '%255F')}`)).toBe('/k/[redacted]');
  });

  it('blanks a run of 43 or more base62 characters after a prefix, with or without the id before it', () => {
    expect(redactKeys(`a sk_live_${secret} b`)).toBe('a [redacted] b');
    expect(redactKeys(`cut ${key.slice(0, -6)}`)).toBe('cut [redacted]');
    expect(redactKeys(`${live.key.slice(0, -6)}!`)).toBe('[redacted]!');
  });

  it('blanks every key of a text', () => {
    expect(redactKeys(`${key} and ${live.key}`)).toBe('[redacted] and [redacted]');
  });

  it('keeps text without keys as it is: ids, hashes, malformed escapes, long text of other shapes', () => {
    const id = key.slice(3, 3 + KEY_ID_LENGTH);
    for (const text of [
      '',
      `/keys/${id}`,
      `/commits/${'0123456789abcdef'.repeat(4)}`,
      `/blob/${secret}`,
      '/a%zz/%E2%82/100%',
      '/caf%C3%A9/%F0%9F%94%91',
      `GET /${'a_'.repeat(40)}`,
    ]) {
      expect(redactKeys(text), text).toBe(text);
    }
  });

  // Linear, not quadratic: a quadratic pass over these 200-kB texts costs minutes of CPU, a linear one
  // milliseconds. The bound is on this process's CPU time, which other busy processes do not inflate.
  it('takes time linear in the text on hostile input', () => {
    const hostile = [
      'a'.repeat(200_000),
      'a_'.repeat(100_000),
      `${'A'.repeat(42)}_`.repeat(5_000),
      '%25'.repeat(70_000),
      `kg_${'a'.repeat(60)}_`.repeat(3_000),
    ];
    const started = process.cpuUsage();
    for (const text of hostile) redactKeys(text);
    const { user, system } = process.cpuUsage(started);
    expect((user + system) / 1000).toBeLessThan(1_000);
  });
});

describe('isSafeToEcho', () => {
  it('accepts short printable names', () => {
    for (const name of ['plan', 'expires_at', 'users:read', 'Users Read', 'x-y.z']) {
      expect(isSafeToEcho(name), name).toBe(true);
    }
  });

  it('refuses anything that could hold a key or secret, in any encoding', () => {
    for (const text of [
      key,
      secret,
      key.replaceAll('_', '%5F'),
      fullyEncoded,
      Buffer.from(key).toString('base64'),
      'a'.repeat(20),
      'x'.repeat(65),
      '',
      'tab\there',
      'café',
      42,
      null,
    ]) {
      expect(isSafeToEcho(text), String(text)).toBe(false);
    }
  });

  it('quotes a safe text and replaces any other by a placeholder', () => {
    expect(quoteSafely('plan')).toBe('"plan"');
    expect(quoteSafely(key)).toBe('(not shown)');
    expect(quoteSafely(key, 'a field')).toBe('a field');
  });
});

describe('every message that echoes input', () => {
  it('keys.update names no unknown field that holds a key, in its message or its field', async () => {
    const { keygate, createKey } = setup();
    const { apiKey } = await createKey();
    for (const field of [key, `${key}_v2`, key.replaceAll('_', '%5F'), secret]) {
      const error = await keygate.keys.update(apiKey.id, { [field]: 1 } as never).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'invalid_input' });
      expect(leaks(`${(error as Error).message} ${(error as { field?: string }).field}`), field).toBe(false);
    }
  });

  it('keys.update still names an unknown field that is safe to echo', async () => {
    const { keygate, createKey } = setup();
    const { apiKey } = await createKey();
    await expect(keygate.keys.update(apiKey.id, { owner: 'x' } as never)).rejects.toMatchObject({
      message: expect.stringContaining('"owner"'),
      field: 'owner',
    });
  });

  it('scope errors quote no key-like value', () => {
    for (const scope of [key, `${key}_v2`, secret, key.replaceAll('_', '%5F')]) {
      const checks: Array<(scope: unknown) => void> = [assertGrantableScope, assertRequirableScope];
      for (const check of checks) {
        let message = '';
        try {
          check(scope);
        } catch (error) {
          message = (error as Error).message;
        }
        expect(message).toMatch(/not shown/);
        expect(leaks(message), scope).toBe(false);
      }
    }
  });

  it('the management routes name fields by the same rule', () => {
    expect(safeFieldName('plan')).toBe('plan');
    expect(safeFieldName(key)).toBeUndefined();
    expect(safeFieldName(secret.slice(0, 25))).toBeUndefined();
  });

  it('rate-limit policy errors name no unknown field that holds a key', () => {
    const error = (() => {
      try {
        checkRateLimits([{ name: 'burst', limit: 1, windowSeconds: 1, [key]: 1 }]);
      } catch (caught) {
        return caught as KeygateError;
      }
      throw new Error('expected a refusal');
    })();
    expect(error.code).toBe('invalid_input');
    expect(leaks(`${error.message} ${error.field}`)).toBe(false);
  });
});

describe('request context of audit events', () => {
  interface Req {
    url: string;
    agent?: string;
  }
  const accessors: RequestAccessors<Req> = {
    raw: (req) => ({
      url: req.url,
      method: 'GET',
      rawHeaders: req.agent === undefined ? [] : ['User-Agent', req.agent],
    }),
    ip: () => '127.0.0.1',
    secure: () => true,
    query: () => undefined,
    cookie: () => undefined,
  };

  it.each([
    ['after a percent-encoded space', `/x%20${key}`],
    ['after an encoded slash', `/a%2F${key}`],
    ['after an encoded underscore', `/a%5F${key}`],
    ['with encoded underscores', `/k/${key.replaceAll('_', '%5F')}`],
    ['joined to word characters', `/files/${key}_v2`],
    ['fully percent-encoded', `/k/${fullyEncoded}`],
  ])('holds no key in the route for a key %s in the path', (_, url) => {
    const context = requestContext({ url }, accessors);
    expect(context.route?.startsWith('GET /')).toBe(true);
    expect(context.route).toContain('[redacted]');
    expect(leaks(String(context.route))).toBe(false);
  });

  it('holds no key in the user agent, however it is joined or encoded', () => {
    for (const agent of [`bot/${key}_v2`, `bot%20${key.replaceAll('_', '%5F')}`, `bot${key}`]) {
      const context = requestContext({ url: '/', agent }, accessors);
      expect(leaks(String(context.userAgent)), agent).toBe(false);
    }
  });

  it('redacts a key straddling the route length cut as a whole', () => {
    const url = `/${'a/'.repeat(240)}${key}`;
    const context = requestContext({ url }, accessors);
    expect(leaks(String(context.route))).toBe(false);
    expect(String(context.route)).not.toContain(key.slice(0, 30));
  });
});
