import { redactKeys } from '@keygate/core';
import type { Values } from '../command-line.js';
import { EXIT } from '../exit.js';
import { type CliIo, printer } from '../io.js';
import { MAX_SCAN_FILE_BYTES, scanFiles } from '../scan/files.js';
import { type FoundKey, findKeys, redactedKey } from '../scan/find-keys.js';

/** One key found in a file, as printed: never its secret. */
interface Finding extends FoundKey {
  readonly file: string;
  readonly key: string;
}

/**
 * `scan PATH...`: the keygate keys in files (directories walked; binary files, files over 4 MiB,
 * node_modules and .git skipped), printed as `file:line:column  prefix_id_[redacted]`. Exit code
 * 0 when none is found, 1 when some are (a failure, for CI), 2 for a path that does not exist.
 */
export async function scan(values: Values, io: CliIo, paths: readonly string[]): Promise<number> {
  const findings: Finding[] = [];
  const skipped: { file: string; reason: 'too_large' | 'unreadable' }[] = [];
  let scanned = 0;
  for await (const file of scanFiles(paths)) {
    // A path is printed as found, keys in it blanked out too.
    const shownPath = redactKeys(file.path);
    if ('text' in file) {
      scanned++;
      for (const found of findKeys(file.text)) findings.push({ file: shownPath, ...found, key: redactedKey(found) });
    } else if (file.skipped !== 'binary') {
      skipped.push({ file: shownPath, reason: file.skipped });
    }
  }
  const lines = findings.map((f) => `${f.file}:${f.line}:${f.column}  ${f.key}\n`);
  const notes = skipped.map(
    (s) => `Skipped ${s.file}: ${s.reason === 'too_large' ? `over ${MAX_SCAN_FILE_BYTES} bytes` : 'unreadable'}.\n`,
  );
  const files = new Set(findings.map((f) => f.file)).size;
  const summary =
    findings.length === 0
      ? `No keygate keys found (${scanned} file(s) scanned).\n`
      : `${findings.length} keygate key(s) found in ${files} file(s) (${scanned} scanned). Revoke them: they are exposed.\n`;
  printer(values, io)({ findings, scannedFiles: scanned, skipped }, lines.join('') + summary);
  if (values.json !== true) for (const note of notes) io.err(note);
  return findings.length === 0 ? EXIT.ok : EXIT.keysFound;
}
