// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- better-sqlite3 ships no types: the local declaration must reach every program that compiles this source (the CLI too)
/// <reference path="./better-sqlite3.d.ts" />
import type { SqliteDatabase } from "better-sqlite3"
import { EvidenceStore } from "@rollwise/rollout-engine"

/**
 * One step of the schema. Versions are 1, 2, 3 … in order; a released
 * migration is never edited, a change is a new migration at the end.
 */
export interface Migration {
  readonly version: number
  readonly description: string
  readonly sql: string
}

/** "RWEV": stamped in the file header so a foreign SQLite file is told apart from ours. */
export const applicationId = 0x52574556

const appendOnly = (table: string) => `
CREATE TRIGGER ${table}_never_updated BEFORE UPDATE ON ${table}
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: ${table} rows are never updated'); END;
CREATE TRIGGER ${table}_never_deleted BEFORE DELETE ON ${table}
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: ${table} rows are never deleted'); END;
`

/**
 * REPLACE (and INSERT OR REPLACE, and an UPSERT's conflict path) deletes the
 * conflicting row *without* firing delete triggers, so UPDATE/DELETE
 * triggers alone do not keep history: refuse any insert whose key is taken,
 * before SQLite resolves the conflict. (DROP TRIGGER by someone holding the
 * file is out of reach of any schema.)
 */
const neverReplaced = (table: string, key: ReadonlyArray<string>) => `
CREATE TRIGGER ${table}_never_replaced BEFORE INSERT ON ${table}
WHEN EXISTS (SELECT 1 FROM ${table} WHERE ${key.map((k) => `${k} = NEW.${k}`).join(" AND ")})
BEGIN SELECT RAISE(ABORT, 'evidence is append-only: ${table} rows are never replaced'); END;
`

/** The schema, oldest first. */
export const migrations: ReadonlyArray<Migration> = [
  {
    version: 1,
    description: "rollouts, their events and their endings; append-only",
    sql: `
CREATE TABLE rollouts (
  rollout_id   TEXT NOT NULL PRIMARY KEY,
  service      TEXT NOT NULL,
  module       TEXT,
  version      TEXT,
  build_number TEXT,
  target       TEXT NOT NULL,
  started_at   REAL NOT NULL,
  data         TEXT
) STRICT;
CREATE INDEX rollouts_newest ON rollouts (started_at DESC, rollout_id DESC);
CREATE INDEX rollouts_by_service ON rollouts (service, module, started_at DESC);

CREATE TABLE events (
  rollout_id TEXT NOT NULL REFERENCES rollouts (rollout_id),
  seq        INTEGER NOT NULL CHECK (seq >= 1),
  at         REAL NOT NULL,
  type       TEXT NOT NULL,
  data       TEXT,
  UNIQUE (rollout_id, seq)
) STRICT;

CREATE TABLE endings (
  rollout_id  TEXT NOT NULL PRIMARY KEY REFERENCES rollouts (rollout_id),
  result      TEXT NOT NULL CHECK (result IN ('promoted', 'rolled_back', 'aborted')),
  finished_at REAL NOT NULL
) STRICT;
${appendOnly("rollouts")}${appendOnly("events")}${appendOnly("endings")}`
  },
  {
    version: 2,
    description: "refuse REPLACE / INSERT OR REPLACE / upserts over an existing row (they delete without firing delete triggers)",
    sql: `${neverReplaced("rollouts", ["rollout_id"])}${neverReplaced("events", ["rollout_id", "seq"])}${neverReplaced("endings", ["rollout_id"])}`
  },
  {
    version: 3,
    description: "the driver's lease per rollout: one row, renewed in place; its fencing token never goes back",
    sql: `
CREATE TABLE leases (
  rollout_id  TEXT NOT NULL PRIMARY KEY REFERENCES rollouts (rollout_id),
  token       INTEGER NOT NULL CHECK (token >= 1),
  host        TEXT NOT NULL,
  pid         INTEGER NOT NULL,
  kind        TEXT NOT NULL,
  acquired_at REAL NOT NULL,
  expires_at  REAL NOT NULL,
  released    INTEGER NOT NULL DEFAULT 0 CHECK (released IN (0, 1))
) STRICT;
CREATE TRIGGER leases_token_never_decreases BEFORE UPDATE OF token ON leases WHEN NEW.token < OLD.token
BEGIN SELECT RAISE(ABORT, 'a lease''s fencing token never goes back'); END;
CREATE TRIGGER leases_never_deleted BEFORE DELETE ON leases
BEGIN SELECT RAISE(ABORT, 'a lease row is never deleted: its fencing token must keep growing'); END;
${neverReplaced("leases", ["rollout_id"])}`
  }
]

/** The schema version this code writes and reads. */
export const latestVersion = (list: ReadonlyArray<Migration> = migrations): number => list.at(-1)?.version ?? 0

const intPragma = (db: SqliteDatabase, name: string): number => Number(db.pragma(name, { simple: true }))

/**
 * Refuse a file this code cannot read: one written by a newer schema (left
 * untouched, so a newer Rollwise still reads it) or a SQLite file that is not
 * an evidence database. Throws an EvidenceError.
 */
export const checkReadable = (db: SqliteDatabase, list: ReadonlyArray<Migration> = migrations): number => {
  const current = intPragma(db, "user_version")
  const latest = latestVersion(list)
  if (current > latest) {
    throw new EvidenceStore.EvidenceError({
      reason: "Unavailable",
      detail: `${db.name} was written by a newer Rollwise (evidence schema version ${current}; this one reads up to ${latest}). Upgrade Rollwise to open it; the file was left untouched.`
    })
  }
  const app = intPragma(db, "application_id")
  if (app !== 0 && app !== applicationId) {
    throw new EvidenceStore.EvidenceError({ reason: "Corrupt", detail: `${db.name} is a SQLite database of another application (application_id ${app}), not a Rollwise evidence database` })
  }
  if (current === 0) {
    const tables = db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as { readonly n: number }
    if (tables.n > 0) {
      throw new EvidenceStore.EvidenceError({ reason: "Corrupt", detail: `${db.name} holds tables but no evidence schema version: not a Rollwise evidence database` })
    }
  }
  return current
}

/**
 * Bring the file to the latest schema: every migration newer than the file's
 * `user_version`, in order, in one BEGIN IMMEDIATE transaction (a failed
 * migration leaves the file as it was; two processes opening a new file at
 * once migrate it once). Returns the version the file is at.
 */
export const migrate = (db: SqliteDatabase, list: ReadonlyArray<Migration> = migrations): number => {
  const latest = latestVersion(list)
  if (checkReadable(db, list) === latest) return latest
  return db
    .transaction(() => {
      const current = checkReadable(db, list)
      for (const migration of list) {
        if (migration.version > current) db.exec(migration.sql)
      }
      db.pragma(`application_id = ${applicationId}`)
      db.pragma(`user_version = ${latest}`)
      return latest
    })
    .immediate()
}
