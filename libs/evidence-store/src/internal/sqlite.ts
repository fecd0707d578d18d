// eslint-disable-next-line @typescript-eslint/triple-slash-reference -- better-sqlite3 ships no types: the local declaration must reach every program that compiles this source (the CLI too)
/// <reference path="./better-sqlite3.d.ts" />
import Database, { type SqliteDatabase } from "better-sqlite3"
import { EvidenceStore } from "@rollwise/rollout-engine"
import { mkdirSync } from "node:fs"
import { dirname } from "node:path"
import { checkReadable, migrate } from "./migrations.ts"

const codeOf = (e: unknown): string | undefined =>
  typeof e === "object" && e !== null && "code" in e && typeof e.code === "string" ? e.code : undefined

/**
 * What a thrown value means for a caller. An EvidenceError thrown inside a
 * transaction passes through; SQLite's errors map by result code: busy or
 * locked (after the busy timeout) is Unavailable, a constraint is a Conflict,
 * a damaged file is Corrupt, anything else Unavailable. The detail carries
 * SQLite's message and code, never a stack.
 */
export const toEvidenceError = (e: unknown, doing: string): EvidenceStore.EvidenceError => {
  if (e instanceof EvidenceStore.EvidenceError) return e
  const code = codeOf(e)
  const message = e instanceof Error ? e.message : String(e)
  const cause = code === undefined ? { message } : { code, message }
  if (code === undefined) return new EvidenceStore.EvidenceError({ reason: "Unavailable", detail: `${doing}: ${message}`, cause })
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return new EvidenceStore.EvidenceError({ reason: "Unavailable", detail: `${doing}: the evidence database stayed locked by another writer (${code}: ${message})`, cause })
  }
  if (code.startsWith("SQLITE_CONSTRAINT")) return new EvidenceStore.EvidenceError({ reason: "Conflict", detail: `${doing}: ${message} (${code})`, cause })
  if (code.startsWith("SQLITE_CORRUPT") || code === "SQLITE_NOTADB") {
    return new EvidenceStore.EvidenceError({ reason: "Corrupt", detail: `${doing}: ${message} (${code})`, cause })
  }
  return new EvidenceStore.EvidenceError({ reason: "Unavailable", detail: `${doing}: ${message} (${code})`, cause })
}

/** Connection settings. */
export interface OpenOptions {
  readonly path: string
  readonly busyTimeoutMs: number
}

/**
 * Open (creating the folder and the file if needed) and migrate. WAL lets
 * readers run beside the one writer; `synchronous = FULL` fsyncs the WAL at
 * every commit, so a committed append survives a power cut; the busy timeout
 * makes a second writer wait for the lock instead of failing at once.
 * Throws an EvidenceError.
 */
export const open = (options: OpenOptions): SqliteDatabase => {
  let db: SqliteDatabase | undefined
  try {
    mkdirSync(dirname(options.path), { recursive: true })
    db = new Database(options.path, { timeout: options.busyTimeoutMs })
    db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs))}`)
    // refuse a newer or foreign file before anything below writes to its header
    checkReadable(db)
    const mode = db.pragma("journal_mode = WAL", { simple: true })
    if (mode !== "wal") {
      throw new EvidenceStore.EvidenceError({ reason: "Unavailable", detail: `${options.path}: SQLite could not switch to WAL mode here (journal_mode is ${String(mode)})` })
    }
    db.pragma("synchronous = FULL")
    db.pragma("foreign_keys = ON")
    migrate(db)
    return db
  } catch (e) {
    if (db?.open === true) db.close()
    throw toEvidenceError(e, `opening ${options.path}`)
  }
}
