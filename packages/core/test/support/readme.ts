// The production snippets of the README, read by the tests that check them.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';

/** The options object README.md passes in its one `call…`, evaluated with `env` as process.env. */
export function readmeOptions(call: string, env: Record<string, string> = {}): unknown {
  const readme = readFileSync(new URL('../../../../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf(call);
  expect(start, `README.md has no ${call}…`).toBeGreaterThanOrEqual(0);
  expect(readme.indexOf(call, start + 1), `README.md has ${call}… twice`).toBe(-1);
  const open = start + call.length;
  let depth = 0;
  let end = open;
  do {
    if (readme[end] === '{') depth++;
    if (readme[end] === '}') depth--;
    end++;
  } while (depth > 0 && end < readme.length);
  return new Function('process', `return (${readme.slice(open, end)});`)({ env });
}
