/** @keygate/core/postgres: a PostgreSQL key store on pg. */

/** The audit table's migration (idempotent DDL): `postgresAuditMigration({ schema, table })`. */
export { type PostgresAuditTableOptions, postgresAuditMigration } from './audit/postgres/migration.js';
/** An audit log in an append-only PostgreSQL table, batched off the request path, for createKeygate's `audit` option. */
export { PostgresAuditSink, type PostgresAuditSinkOptions } from './audit/postgres/sink.js';
/** The table's migration (idempotent DDL): `postgresMigration({ schema, table })`, or the default `POSTGRES_MIGRATION_SQL`. */
export { POSTGRES_MIGRATION_SQL, type PostgresTableOptions, postgresMigration } from './stores/postgres/migration.js';
/** A KeyStore on PostgreSQL: parameterised queries, atomic per-owner cap under an advisory lock. */
export { PostgresStore, type PostgresStoreOptions } from './stores/postgres/store.js';
