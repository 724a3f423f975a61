// Which key metadata the management routes may write: applications keep plan and role data in
// metadata, so callers set none of it unless `allowMetadata` says so.
import { KeygateError } from '../errors.js';
import { quoteSafely } from '../key/redaction.js';
import { safeFieldName } from './fields.js';

/** The resolved `allowMetadata` option: no field, every field, or these top-level fields. */
export type MetadataGrant = boolean | readonly string[];

/**
 * The metadata to store when a caller sends `given` for a key whose metadata is `current`:
 * `given` as it is with `true`; with a field list, `current`'s other fields kept and the listed
 * ones replaced by `given`'s. Throws `forbidden` (naming the field) for metadata the grant excludes,
 * `invalid_input` when `given` is not an object (the library checks it further).
 */
export function metadataToWrite(
  grant: MetadataGrant,
  given: unknown,
  current: Readonly<Record<string, unknown>>,
): unknown {
  if (grant === false) {
    throw new KeygateError('forbidden', 'metadata cannot be set through these routes.', { field: 'metadata' });
  }
  if (grant === true) return given;
  if (typeof given !== 'object' || given === null || Array.isArray(given)) {
    throw new KeygateError('invalid_input', 'metadata must be a JSON object.', { field: 'metadata' });
  }
  const refused = Object.keys(given).find((field) => !grant.includes(field));
  if (refused !== undefined) {
    const name = safeFieldName(refused);
    throw new KeygateError(
      'forbidden',
      `metadata field ${quoteSafely(refused, '(name not shown)')} cannot be set through these routes.`,
      { field: name === undefined ? 'metadata' : `metadata.${name}` },
    );
  }
  const kept = Object.fromEntries(Object.entries(current).filter(([field]) => !grant.includes(field)));
  return { ...kept, ...given };
}
