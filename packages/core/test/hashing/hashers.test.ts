import { describe, expect, it } from 'vitest';
import { hashAlgorithm } from '../../src/hashing/hasher.js';
import { hmacSha256Hasher } from '../../src/hashing/hmac.js';
import { scryptHasher } from '../../src/hashing/scrypt.js';
import { generateKey } from '../../src/key/format.js';

const secret = () => generateKey('kg').secret;
const PEPPER = 'p'.repeat(32);

describe('scryptHasher', () => {
  const hasher = scryptHasher({ logN: 4 });

  it('verifies the secret it hashed', async () => {
    const s = secret();
    expect(await hasher.verify(s, await hasher.hash(s))).toBe(true);
  });

  it('rejects a wrong secret', async () => {
    expect(await hasher.verify(secret(), await hasher.hash(secret()))).toBe(false);
  });

  it('writes a self-describing scrypt$<base64> hash carrying its own salt and parameters', async () => {
    const s = secret();
    const stored = await hasher.hash(s);
    expect(hasher.algorithm).toBe('scrypt');
    expect(hashAlgorithm(stored)).toBe('scrypt');
    expect(stored).toMatch(/^scrypt\$[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(stored.slice('scrypt$'.length), 'base64')).toHaveLength(96);
    expect(stored).not.toContain(s);
    // A fresh salt every time.
    expect(await hasher.hash(s)).not.toBe(stored);
  });

  it('verifies a hash written with other parameters, which are read from the hash', async () => {
    const s = secret();
    const stored = await scryptHasher({ logN: 5, r: 4, p: 2 }).hash(s);
    expect(await hasher.verify(s, stored)).toBe(true);
  });

  it('asks for a rehash only when logN, r or p differ from its own', async () => {
    const stored = await hasher.hash(secret());
    expect(hasher.needsRehash(stored)).toBe(false);
    expect(scryptHasher({ logN: 5 }).needsRehash(stored)).toBe(true);
    expect(scryptHasher({ logN: 4, r: 4 }).needsRehash(stored)).toBe(true);
    expect(scryptHasher({ logN: 4, p: 2 }).needsRehash(stored)).toBe(true);
  });

  it('rejects hashes of other algorithms and asks to rehash them', async () => {
    const s = secret();
    const hmac = await hmacSha256Hasher().hash(s);
    expect(await hasher.verify(s, hmac)).toBe(false);
    expect(hasher.needsRehash(hmac)).toBe(true);
  });

  it('rejects damaged hashes without throwing', async () => {
    const s = secret();
    const stored = await hasher.hash(s);
    const bytes = Buffer.from(stored.slice('scrypt$'.length), 'base64');
    bytes[70] = (bytes[70] as number) ^ 1;
    const flipped = `scrypt$${bytes.toString('base64')}`;
    for (const damaged of [flipped, stored.slice(0, -8), 'scrypt$', 'scrypt$!!!!', '', 'scrypt']) {
      await expect(hasher.verify(s, damaged)).resolves.toBe(false);
    }
  });

  it.each([{ logN: 0 }, { logN: 25 }, { logN: 4.5 }, { r: 0 }, { p: -1 }, { logN: Number.NaN }])(
    'refuses the parameters %j with invalid_options',
    (options) => {
      expect(() => scryptHasher(options)).toThrowError(expect.objectContaining({ code: 'invalid_options' }));
    },
  );
});

describe('hmacSha256Hasher', () => {
  it('verifies the secret it hashed', async () => {
    const hasher = hmacSha256Hasher({ pepper: PEPPER });
    const s = secret();
    expect(await hasher.verify(s, await hasher.hash(s))).toBe(true);
  });

  it('rejects a wrong secret', async () => {
    const hasher = hmacSha256Hasher({ pepper: PEPPER });
    expect(await hasher.verify(secret(), await hasher.hash(secret()))).toBe(false);
  });

  it('writes a self-describing hmac-sha256$<pepperId>$<base64url> hash', async () => {
    const s = secret();
    const stored = await hmacSha256Hasher({ pepper: PEPPER, pepperId: 'k2025' }).hash(s);
    expect(hashAlgorithm(stored)).toBe('hmac-sha256');
    expect(stored).toMatch(/^hmac-sha256\$k2025\$[A-Za-z0-9_-]{43}$/);
    expect(stored).not.toContain(s);
    expect(await hmacSha256Hasher().hash(s)).toMatch(/^hmac-sha256\$none\$/);
    expect(await hmacSha256Hasher({ pepper: PEPPER }).hash(s)).toMatch(/^hmac-sha256\$default\$/);
  });

  it('rejects a hash made with another pepper', async () => {
    const s = secret();
    const stored = await hmacSha256Hasher({ pepper: PEPPER }).hash(s);
    expect(await hmacSha256Hasher({ pepper: 'q'.repeat(32) }).verify(s, stored)).toBe(false);
    expect(await hmacSha256Hasher().verify(s, stored)).toBe(false);
  });

  it('asks for a rehash when the pepperId changed', async () => {
    const stored = await hmacSha256Hasher({ pepper: PEPPER, pepperId: 'old' }).hash(secret());
    expect(hmacSha256Hasher({ pepper: PEPPER, pepperId: 'old' }).needsRehash(stored)).toBe(false);
    expect(hmacSha256Hasher({ pepper: PEPPER, pepperId: 'new' }).needsRehash(stored)).toBe(true);
  });

  it('rejects hashes of other algorithms and asks to rehash them', async () => {
    const s = secret();
    const hasher = hmacSha256Hasher();
    const scrypt = await scryptHasher({ logN: 4 }).hash(s);
    expect(await hasher.verify(s, scrypt)).toBe(false);
    expect(hasher.needsRehash(scrypt)).toBe(true);
  });

  it('rejects a truncated or empty digest without throwing', async () => {
    const hasher = hmacSha256Hasher();
    const s = secret();
    const stored = await hasher.hash(s);
    await expect(hasher.verify(s, stored.slice(0, -1))).resolves.toBe(false);
    await expect(hasher.verify(s, 'hmac-sha256$none$')).resolves.toBe(false);
  });

  it('refuses a pepper shorter than 32 bytes', () => {
    expect(() => hmacSha256Hasher({ pepper: 'short' })).toThrowError(
      expect.objectContaining({ code: 'invalid_options' }),
    );
  });

  it.each(['', 'has space', 'a$b', 'x'.repeat(33)])('refuses the pepperId %j', (pepperId) => {
    expect(() => hmacSha256Hasher({ pepper: PEPPER, pepperId })).toThrowError(
      expect.objectContaining({ code: 'invalid_options' }),
    );
  });
});

describe('hashAlgorithm', () => {
  it('reads the tag before the first $, or nothing', () => {
    expect(hashAlgorithm('scrypt$abc')).toBe('scrypt');
    expect(hashAlgorithm('hmac-sha256$none$abc')).toBe('hmac-sha256');
    expect(hashAlgorithm('plain')).toBe('');
  });
});
