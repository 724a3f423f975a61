import * as crypto from 'node:crypto';

type OneShotHash = (algorithm: string, data: string, encoding: 'base64') => string;
// crypto.hash (Node >= 20.12) skips the Hash object allocation; older Node 20 falls back to createHash.
const oneShot = (crypto as { hash?: OneShotHash }).hash;

/**
 * SHA-256 of a presented key, base64: the only form in which keys are used as cache keys, so the
 * cache never holds a plaintext key (see ConnectionMemo for the one place a key outlives its request).
 */
export const keyDigest: (key: string) => string = oneShot
  ? (key) => oneShot('sha256', key, 'base64')
  : (key) => crypto.createHash('sha256').update(key).digest('base64');
