// The CLI's redaction of error text: keys in any form, long tokens and URL passwords.
import { generateKey } from '@keygate/core';
import { describe, expect, it } from 'vitest';
import { redact } from '../src/redact.js';

const { key, secret } = generateKey('kg');
// Every character as %XX.
const fullyEncoded = [...key].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`).join('');

/** True when `text` holds the key's secret, plainly or fully percent-encoded. */
const leaks = (text: string) => text.includes(secret) || text.includes(fullyEncoded);

describe('redact', () => {
  it('blanks keys joined to word characters and percent-encoded ones', () => {
    for (const text of [`x${key}_y`, `kg%5F${key.slice(3)}`, `/a%2F${key}`, fullyEncoded]) {
      expect(leaks(redact(`failed: ${text}`)), text).toBe(false);
    }
  });

  it('masks the password of a URL and keeps the rest', () => {
    expect(redact('cannot reach redis://admin:hunter2@db.internal:6379/0')).toBe(
      'cannot reach redis://admin:***@db.internal:6379/0',
    );
  });
});
