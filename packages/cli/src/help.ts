// The text of `keygate --help`: every command and option, the defaults and the exit codes.
import { DEFAULT_PREFIX } from './keygate.js';

/** The text of `keygate --help`. */
export const HELP = `Usage: keygate <command> [options]

Commands:
  generate [--prefix P]            Mint a key offline: print it, its id and the hash a store would keep.
  hash                             Read a key from stdin (never from arguments: they land in shell
                                   history) and print the hash a store would keep for it.
  create --owner O --name N        Create a key in the store and print it, once.
         [--scopes a,b] [--expires-in 30d] [--prefix P] [--max-keys-per-owner N]
  list --owner O                   List an owner's active keys, oldest first (never a hash or a key).
       [--all] [--limit N] [--cursor C]   --all: revoked and expired ones too; pages of --limit
                                   (default 100, at most 1000); --cursor: the page after the one
                                   that printed it.
  revoke ID                        Revoke a key for good.
  disable ID                       Disable a key: it stops working until enabled again.
  enable ID                        Enable a disabled key again.
  rotate ID [--grace 1h]           Replace a key; the old one keeps working for the grace period
                                   (default 0: revoked at once; at most 7d). Prints the new key, once.
  migrate [--audit]                Create the PostgreSQL table and index (idempotent); --audit: the
                                   audit table too (--audit-table T, default keygate_audit).
  sweep --expiring 7d | --unused 90d   Find the active keys of every owner expiring within the
        [--action A]               duration, or unused for it (never used and created before then
                                   included), and print ids, owners, names and dates. --action:
                                   report (default), revoke or disable each key found.
  credits get|set|add               Read, replace or add to a credit allowance: of an owner (shared
          --owner O | --key ID       by its keys) or of one key (kept across rotations).
          [--remaining N] [--refill AMOUNT/INTERVAL] [--refill-at N] [--amount N]
                                   set: --remaining N, and --refill 10000/month, 500/day or
                                   100/1h (back to AMOUNT each time; --refill-at: the day of the
                                   month, the UTC hour, or the epoch ms periods count from).
                                   add: --amount N (--amount=-5 takes away; never below 0).
  scan PATH...                     Find keygate keys in files (directories walked; binary files,
                                   files over 4 MiB, node_modules and .git skipped; checksums
                                   checked) and print file:line:column and the key redacted to
                                   its prefix and id. Exit code 1 when it finds any, 0 when none.
  audit --key ID | --owner O       Print audit events of a key or an owner, newest first (from the
        [--since T] [--until T]    PostgresAuditSink table or the RedisAuditSink streams of the
        [--limit N] [--cursor C]   store). T: an ISO 8601 date (2026-01-31, 2026-01-31T12:00Z) or a
        [--audit-table T]          duration ago (24h, 7d); --since included, --until excluded.
                                   Pages of --limit (default 100, at most 1000).

Store (create, list, revoke, disable, enable, rotate, migrate, sweep, credits, audit):
  --store URL          redis://… or rediss://… (RedisStore), postgres://… or postgresql://…
                       (PostgresStore). Default: the KEYGATE_STORE environment variable, which
                       keeps passwords out of shell history.
  --key-prefix P       Redis key prefix (default keygate:).
  --schema S           PostgreSQL schema (default public); --table T (default keygate_keys).

Hashing (generate, hash, create, rotate): must match your application's hasher.
  --hasher H           hmac-sha256 (default, as in createKeygate), whose pepper is read from
                       the KEYGATE_PEPPER environment variable (never from arguments), or scrypt.
  --pepper-id ID       Pepper id of hmac-sha256 (default: default).

Other options:
  --prefix P           Key prefix (default ${DEFAULT_PREFIX}); must be one your application accepts.
  --json               Machine-readable output on stdout.
  -h, --help           This help.

Durations: a whole number and a unit: ms, s, m, h, d, w (e.g. 90s, 1h, 30d); 0 for none.

Exit codes:
  0  success
  1  the operation failed (store unreachable, unexpected error), or scan found keys
  2  usage error (unknown command or option, missing or invalid value)
  3  not found (no key with that id; for credits add, no allowance to add to)
  4  conflict or limit (key revoked, expired or already rotated, or changed meanwhile; a
     disabled key rotated; owner at its key cap)

Errors go to stderr and never contain a key.
`;
