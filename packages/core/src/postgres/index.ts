/** @keygate/core/postgres: a PostgreSQL key store on pg. */
export {};
