import { describe, expect, it } from 'vitest';
import { isKeygateError } from '../../src/errors.js';
import { BASE62_ALPHABET } from '../../src/key/base62.js';
import {
  assertPrefix,
  generateKey,
  KEY_CHECKSUM_LENGTH,
  KEY_ID_LENGTH,
  KEY_PATTERN,
  KEY_SECRET_LENGTH,
  keyPattern,
  MAX_KEY_LENGTH,
  MAX_PREFIX_LENGTH,
  parseKey,
} from '../../src/key/format.js';
import { keyFrom, mutateAt, prng } from '../support/helpers.js';

const BASE62_RUN = /^[0-9A-Za-z]+$/;

describe('generateKey', () => {
  it('writes <prefix>_<12-char id>_<43-char secret><6-char checksum>', () => {
    const generated = generateKey('sk_live');
    const [, id, tail] = /^sk_live_([^_]+)_([^_]+)$/.exec(generated.key) ?? [];
    expect(id).toBe(generated.id);
    expect(generated.id).toHaveLength(KEY_ID_LENGTH);
    expect(generated.secret).toHaveLength(KEY_SECRET_LENGTH);
    expect(tail).toHaveLength(KEY_SECRET_LENGTH + KEY_CHECKSUM_LENGTH);
    expect(tail?.startsWith(generated.secret)).toBe(true);
    expect(generated.id).toMatch(BASE62_RUN);
    expect(tail).toMatch(BASE62_RUN);
    expect(generated.prefix).toBe('sk_live');
  });

  it('produces keys that parse back into the same parts', () => {
    for (let i = 0; i < 200; i++) {
      const { key, prefix, id, secret } = generateKey('kg');
      expect(parseKey(key)).toEqual({ ok: true, key: { prefix, id, secret } });
    }
  });

  it('never repeats an id or a secret', () => {
    const ids = new Set<string>();
    const secrets = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const { id, secret } = generateKey('kg');
      ids.add(id);
      secrets.add(secret);
    }
    expect(ids.size).toBe(2000);
    expect(secrets.size).toBe(2000);
  });

  it('accepts a prefix of the maximum length, giving a key of exactly MAX_KEY_LENGTH', () => {
    const prefix = `a${'b'.repeat(MAX_PREFIX_LENGTH - 1)}`;
    const { key } = generateKey(prefix);
    expect(key).toHaveLength(MAX_KEY_LENGTH);
    expect(parseKey(key).ok).toBe(true);
  });

  it('refuses an invalid prefix with invalid_prefix', () => {
    expect(() => generateKey('Bad')).toThrowError(expect.objectContaining({ code: 'invalid_prefix' }));
  });
});

describe('assertPrefix', () => {
  it.each(['kg', 'sk_live', 'a', 'pk_test_2', 'x1', 'a'.repeat(MAX_PREFIX_LENGTH)])('accepts %j', (prefix) => {
    expect(() => assertPrefix(prefix)).not.toThrow();
  });

  it.each([
    '',
    'Sk',
    'sk-live',
    '_sk',
    'sk_',
    'sk__live',
    '1sk',
    'sk live',
    'a'.repeat(MAX_PREFIX_LENGTH + 1),
    'sk_Live',
    'ßk',
    42,
    null,
    undefined,
  ])('rejects %j with a KeygateError invalid_prefix', (prefix) => {
    let thrown: unknown;
    try {
      assertPrefix(prefix);
    } catch (error) {
      thrown = error;
    }
    expect(isKeygateError(thrown, 'invalid_prefix')).toBe(true);
  });
});

describe('parseKey', () => {
  it('reports a wrong checksum as checksum, not malformed', () => {
    const { key } = generateKey('kg');
    const checksumStart = key.length - KEY_CHECKSUM_LENGTH;
    expect(parseKey(mutateAt(key, checksumStart))).toEqual({ ok: false, error: 'checksum' });
  });

  it('catches every single-character substitution in a key by its checksum', () => {
    const { key } = generateKey('sk_live');
    const start = key.indexOf('_', 'sk_live'.length) + 1;
    for (let i = start; i < key.length; i++) {
      if (key[i] === '_') continue;
      for (const c of BASE62_ALPHABET) {
        if (c === key[i]) continue;
        const typo = key.slice(0, i) + c + key.slice(i + 1);
        expect(parseKey(typo).ok).toBe(false);
      }
    }
  });

  it('catches every swap of two adjacent characters by its checksum', () => {
    const { key } = generateKey('kg');
    for (let i = 0; i + 1 < key.length; i++) {
      if (key[i] === key[i + 1]) continue;
      const swapped = key.slice(0, i) + key[i + 1] + key[i] + key.slice(i + 2);
      expect(parseKey(swapped).ok).toBe(false);
    }
  });

  it('reports a truncated or extended key as malformed', () => {
    const { key } = generateKey('kg');
    expect(parseKey(key.slice(0, -1))).toEqual({ ok: false, error: 'malformed' });
    expect(parseKey(key.slice(3))).toEqual({ ok: false, error: 'malformed' });
    expect(parseKey(`${key}0`)).toEqual({ ok: false, error: 'malformed' });
    expect(parseKey(` ${key}`)).toEqual({ ok: false, error: 'malformed' });
    expect(parseKey(`${key}\n`)).toEqual({ ok: false, error: 'malformed' });
  });

  it.each([
    ['an empty string', ''],
    ['a missing prefix', `_${'a'.repeat(KEY_ID_LENGTH)}_${'b'.repeat(KEY_SECRET_LENGTH + KEY_CHECKSUM_LENGTH)}`],
    ['an upper-case prefix', `KG_${'a'.repeat(KEY_ID_LENGTH)}_${'b'.repeat(KEY_SECRET_LENGTH + KEY_CHECKSUM_LENGTH)}`],
    ['a non-base62 id', `kg_${'a'.repeat(KEY_ID_LENGTH - 1)}-_${'b'.repeat(KEY_SECRET_LENGTH + KEY_CHECKSUM_LENGTH)}`],
    [
      'a misplaced separator',
      `kg_${'a'.repeat(KEY_ID_LENGTH + 1)}_${'b'.repeat(KEY_SECRET_LENGTH + KEY_CHECKSUM_LENGTH - 1)}`,
    ],
    ['a non-ASCII secret', `kg_${'a'.repeat(KEY_ID_LENGTH)}_${'é'.repeat(KEY_SECRET_LENGTH + KEY_CHECKSUM_LENGTH)}`],
  ])('reports %s as malformed', (_label, input) => {
    expect(parseKey(input)).toEqual({ ok: false, error: 'malformed' });
  });

  it('rejects anything longer than MAX_KEY_LENGTH as malformed, even a well-formed key with a longer prefix', () => {
    const id = 'a'.repeat(KEY_ID_LENGTH);
    const secret = 'b'.repeat(KEY_SECRET_LENGTH);
    const atLimit = keyFrom('a'.repeat(MAX_PREFIX_LENGTH), id, secret);
    const overLimit = keyFrom('a'.repeat(MAX_PREFIX_LENGTH + 1), id, secret);
    expect(atLimit).toHaveLength(MAX_KEY_LENGTH);
    expect(parseKey(atLimit).ok).toBe(true);
    expect(parseKey(overLimit)).toEqual({ ok: false, error: 'malformed' });
    expect(parseKey('x'.repeat(64 * 1024 * 1024))).toEqual({ ok: false, error: 'malformed' });
  });

  it('caps length before any work and never throws, whatever it is given', () => {
    const random = prng(0x6b657967);
    const int = (n: number) => Math.floor(random() * n);
    const keyChars = `${BASE62_ALPHABET}_`;
    const valid = generateKey('sk_live').key;
    const inputs: unknown[] = [
      undefined,
      null,
      true,
      0,
      Number.NaN,
      12n,
      Symbol('key'),
      () => valid,
      {},
      [valid],
      { toString: () => valid },
      new String(valid),
      new Uint8Array(Buffer.from(valid)),
      Buffer.from(valid),
      'x'.repeat(10_000_000),
      valid.repeat(100_000),
      `${valid}\u0000`,
      '\ud800'.repeat(MAX_KEY_LENGTH),
    ];
    for (let i = 0; i < 3000; i++) {
      const length = int(MAX_KEY_LENGTH + 10);
      // Random bytes as code units.
      inputs.push(String.fromCharCode(...Array.from({ length }, () => int(256))));
      // Random UTF-16, lone surrogates included.
      inputs.push(String.fromCharCode(...Array.from({ length }, () => int(0x10000))));
      // Key-alphabet soup near the key length.
      inputs.push(Array.from({ length: 60 + int(50) }, () => keyChars[int(keyChars.length)]).join(''));
      // A real key with one random edit (replace, insert or delete).
      const at = int(valid.length);
      const c = String.fromCharCode(int(128));
      const edit = int(3);
      inputs.push(
        edit === 0
          ? valid.slice(0, at) + c + valid.slice(at + 1)
          : edit === 1
            ? valid.slice(0, at) + c + valid.slice(at)
            : valid.slice(0, at) + valid.slice(at + 1),
      );
    }

    for (const input of inputs) {
      let result: ReturnType<typeof parseKey> | undefined;
      expect(() => {
        result = parseKey(input);
      }).not.toThrow();
      if (typeof input !== 'string' || input.length > MAX_KEY_LENGTH) {
        expect(result).toEqual({ ok: false, error: 'malformed' });
      }
      if (result?.ok) {
        // Only a string that really is a key, rebuilt exactly from its parts, parses.
        expect(keyFrom(result.key.prefix, result.key.id, result.key.secret)).toBe(input);
      }
    }
  });
});

describe('KEY_PATTERN', () => {
  it('finds every key of any prefix in surrounding text', () => {
    const a = generateKey('kg').key;
    const b = generateKey('sk_live').key;
    const c = generateKey('pk_test_2').key;
    const text = `export API_KEY=${a}\n"token": "${b}", url=https://x.test/?key=${c}&x=1`;
    expect(text.match(new RegExp(KEY_PATTERN, 'g'))).toEqual([a, b, c]);
  });

  it('does not match inside a longer token', () => {
    const { key } = generateKey('kg');
    const text = `0${key} ${key}0 _${key} ${key}_ ${key.slice(0, -1)} ${key.replace('_', '-')}`;
    expect(new RegExp(KEY_PATTERN, 'g').test(text)).toBe(false);
  });

  it('leaves checksum confirmation to parseKey', () => {
    const { key } = generateKey('kg');
    const typo = mutateAt(key, key.length - 1);
    expect(KEY_PATTERN.test(typo)).toBe(true);
    expect(parseKey(typo).ok).toBe(false);
  });
});

describe('keyPattern', () => {
  it('matches the keys of one prefix only', () => {
    const live = generateKey('sk_live').key;
    const test = generateKey('sk_test').key;
    const nested = generateKey('x_sk_live').key;
    const text = `${live} ${test} ${nested}`;
    expect(text.match(keyPattern('sk_live', 'g'))).toEqual([live]);
  });

  it('refuses an invalid prefix rather than building a regular expression from it', () => {
    expect(() => keyPattern('.*')).toThrowError(expect.objectContaining({ code: 'invalid_prefix' }));
  });
});
