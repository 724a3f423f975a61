// cookie 0.7 (the version Express 5 depends on) ships no types: the one function keygate uses.
declare module 'cookie' {
  /** Parses a Cookie header into name → value (decoded); of two same-named cookies, the first wins. */
  export function parse(header: string): Record<string, string | undefined>;
}
