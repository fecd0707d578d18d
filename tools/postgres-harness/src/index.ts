/**
 * @rollwise/postgres-harness — a real PostgreSQL 15 for tests.
 *
 * `startPostgres()` runs initdb in a temp dir and starts the server on
 * 127.0.0.1 with a free port; `createDatabase()` gives each test an empty
 * database; `stop()` stops it (immediate) and removes the dir.
 */
export { defaultBinDir, postgresAvailable, startPostgres, type RunningPostgres, type StartPostgresOptions } from "./Postgres.ts"
