// The steps PostgresStore's operations are made of, each on the operation's own connection (never
// on the pool directly: see transaction.ts), and the refusals they share.
import type { PoolClient } from 'pg';
import { KeygateError } from '../../errors.js';
import type { KeyRecord, KeyRecordPatch } from '../../key/record.js';
import { type KeyRow, patchAssignments, recordValues, rowToRecord } from './rows.js';
import type { Statements } from './statements.js';

/** The connection an operation runs on, inside a transaction or not. */
export type Queryable = PoolClient;

/** The record with this id, or null. */
export async function findRecord(db: Queryable, sql: Statements, id: string): Promise<KeyRecord | null> {
  const { rows } = await db.query<KeyRow>(sql.findById, [id]);
  return rows[0] ? rowToRecord(rows[0]) : null;
}

/** Applies a patch unconditionally; the updated record, or null for an unknown id. */
export async function patchRecord(
  db: Queryable,
  sql: Statements,
  id: string,
  patch: KeyRecordPatch,
): Promise<KeyRecord | null> {
  const { sets, values } = patchAssignments(patch ?? {}, 2);
  if (sets.length === 0) return findRecord(db, sql, id);
  const { rows } = await db.query<KeyRow>(sql.update(sets), [id, ...values]);
  return rows[0] ? rowToRecord(rows[0]) : null;
}

/**
 * Applies a patch if the stored version is `ifVersion`, atomically: the updated record, null for
 * an unknown id, or `conflict` (nothing written) for another version.
 */
export async function patchRecordIfVersion(
  db: Queryable,
  sql: Statements,
  id: string,
  patch: KeyRecordPatch,
  ifVersion: number,
): Promise<KeyRecord | null> {
  const { sets, values } = patchAssignments(patch ?? {}, 3);
  if (sets.length === 0) {
    // Nothing to write: reading the key is as atomic as the check needs.
    const record = await findRecord(db, sql, id);
    if (record) assertVersion(record.version, ifVersion);
    return record;
  }
  const { rows } = await db.query<KeyRow & { changed: boolean }>(sql.updateIfVersion(sets), [id, ifVersion, ...values]);
  if (!rows[0]) return null;
  if (!rows[0].changed) throw versionConflict();
  return rowToRecord(rows[0]);
}

/**
 * Inserts a record: `conflict` when its id is taken; with a cap (inside a transaction holding the
 * owner's lock, see {@link lockOwner}), `limit_exceeded` when the owner's keys active at the
 * record's `createdAt`, other than `except`, fill it.
 */
export async function insertRecord(
  db: Queryable,
  sql: Statements,
  record: KeyRecord,
  cap: number | undefined,
  except: string | null,
): Promise<void> {
  if (cap !== undefined) {
    const at = record.createdAt.toISOString();
    const { rows } = await db.query<{ taken: boolean; active: number }>(sql.capCheck, [
      record.id,
      record.owner,
      at,
      cap,
      except,
    ]);
    if (rows[0]?.taken) throw idTaken();
    if ((rows[0]?.active ?? 0) >= cap) {
      throw new KeygateError('limit_exceeded', `The owner already has ${cap} active keys.`);
    }
  }
  const { rowCount } = await db.query(sql.insert, recordValues(record));
  if (rowCount === 0) throw idTaken();
}

/**
 * Takes the owner's lock until the transaction ends. Creates and rotations under a cap queue on
 * it; under READ COMMITTED each later statement sees every key committed by those before, so a
 * cap check cannot miss one.
 */
export async function lockOwner(client: PoolClient, sql: Statements, table: string, owner: string): Promise<void> {
  await client.query(sql.lockOwner, [table, owner]);
}

/** Refuses (`invalid_input`) a cap that is not a non-negative integer. */
export function assertCap(cap: number): void {
  if (!Number.isInteger(cap) || cap < 0) {
    throw new KeygateError('invalid_input', 'maxActivePerOwner must be a non-negative integer.');
  }
}

/** Refuses (`conflict`) a stored version other than the expected one. */
export function assertVersion(stored: number, expected: number): void {
  if (stored !== expected) throw versionConflict();
}

// The refusal of a write whose key changed since it was read.
function versionConflict(): KeygateError {
  return new KeygateError('conflict', 'The key changed meanwhile; read it again and retry.');
}

function idTaken(): KeygateError {
  return new KeygateError('conflict', 'A key with that id already exists.');
}
