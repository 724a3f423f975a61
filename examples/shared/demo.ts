// Shared by the three examples: the keygate instance they run on and the banner they print.
import { createKeygate, type Keygate, MemoryStore } from '@keygate/core';

/** A keygate on the in-memory defaults (default scrypt hasher, verified-key cache). */
export function demoKeygate(): Keygate {
  return createKeygate({ store: new MemoryStore(), prefix: 'demo' });
}

/** Mints one demo key and prints it once, with curl lines to try every route. */
export async function printDemoKey(keygate: Keygate, framework: string, port: number): Promise<void> {
  const { key, apiKey } = await keygate.keys.create({
    name: 'demo key',
    owner: 'demo-user',
    scopes: ['reports:read'],
    expiresIn: 24 * 60 * 60 * 1000,
  });
  const base = `http://127.0.0.1:${port}`;
  console.log(`keygate ${framework} example listening on ${base}

A demo key was minted (id ${apiKey.id}, scopes: ${apiKey.scopes.join(' ')}). It is shown once:

  ${key}

Try:
  curl -i ${base}/                                         # public
  curl -i ${base}/api/me -H 'X-API-Key: ${key}'            # authenticated
  curl -i ${base}/api/reports -H 'Authorization: Bearer ${key}'   # needs reports:read
  curl -i ${base}/api/admin -H 'X-API-Key: ${key}'         # needs admin:write -> 403
  curl -i ${base}/api/me                                   # no key -> 401
`);
}
