// Running the built `keygate` bin (dist/cli.js: run `pnpm build` first) as a child process. Every
// run also checks that no key ever reaches stderr.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { KEY_PATTERN } from '@keygate/core';
import { expect } from 'vitest';

/** The built bin. */
export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** Every keygate key in a text. */
export const KEYS_IN_TEXT = new RegExp(KEY_PATTERN.source, 'g');

/** What one run of the CLI did. */
export interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI without KEYGATE_STORE and KEYGATE_PEPPER unless `extraEnv` sets them; asserts that stderr holds no key. */
export async function cli(args: readonly string[], input = '', extraEnv: Record<string, string> = {}): Promise<Run> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`pnpm build\` in packages/cli first.`);
  const env = { ...process.env };
  delete env.KEYGATE_STORE;
  delete env.KEYGATE_PEPPER;
  Object.assign(env, extraEnv);
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  child.stdin.end(input);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(stderr).not.toMatch(KEY_PATTERN);
  return { code, stdout, stderr };
}

/** The JSON a successful `--json` run printed (asserts exit code 0). */
export function json(run: Run) {
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

/** A fresh owner name, so tests never see each other's keys. */
export function freshOwner(): string {
  return `owner_${randomBytes(5).toString('hex')}`;
}
