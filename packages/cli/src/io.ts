// What the CLI reads and writes, and how a command prints its result.
import type { Values } from './command-line.js';

/** What the commands read from and write to. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  /** All of stdin, as text. */
  readStdin(): Promise<string>;
  readonly stdinIsTty: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Prints `data` as JSON with `--json`, else the human text. */
export function printer(values: Values, io: CliIo) {
  return (data: unknown, human: string) => io.out(values.json === true ? `${JSON.stringify(data, null, 2)}\n` : human);
}
