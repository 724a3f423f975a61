// Signs secret scanning reports as GitHub does (ECDSA P-256, SHA-256, base64 DER over the raw
// body), with a key pair generated here: no network, no real GitHub key.
import { generateKeyPairSync, sign } from 'node:crypto';
import type { LeakReportRequest } from '../../src/leaks/handler.js';

/** One reported token, as GitHub sends it. */
export interface ReportItem {
  token: unknown;
  type?: unknown;
  url?: unknown;
  source?: unknown;
}

/** A fresh P-256 signing key with its identifier and PEM public key, and helpers to sign reports. */
export function reportSigner(identifier = 'f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f') {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const signBody = (body: string | Buffer) => sign('sha256', Buffer.from(body), privateKey).toString('base64');
  return {
    identifier,
    pem,
    publicKeys: { [identifier]: pem } as Record<string, string>,
    sign: signBody,
    /** A signed POST of `items` (or of a raw body) as the handler takes it. */
    request(items: ReportItem[] | string | Buffer, overrides: Partial<LeakReportRequest> = {}): LeakReportRequest {
      const body = Buffer.from(typeof items === 'string' || Buffer.isBuffer(items) ? items : JSON.stringify(items));
      return { method: 'POST', body, keyIdentifier: identifier, signature: signBody(body), ...overrides };
    },
  };
}

/** A report item for `token` as GitHub would send it. */
export function item(token: string, url = 'https://github.com/octo/app/blob/abc123/config.js'): ReportItem {
  return { token, type: 'keygate_api_key', url, source: 'content' };
}
