import { SqliteEvidenceStore } from "@rollwise/evidence-store"
import { Effect, FileSystem, Option } from "effect"
import { CliInputError } from "./Io.ts"

/** A `--db` value that names a PostgreSQL database rather than a SQLite file. */
export const isPostgresUrl = (db: string): boolean => /^postgres(?:ql)?:\/\//i.test(db.trim())

/** Database URLs by the form of them commands may print (credentials hidden): see {@link pathOf}. */
const urls = new Map<string, string>()

/** A PostgreSQL URL with its user and password hidden (`postgres://***@db:5432/rollwise`). */
export const shown = (url: string): string => url.trim().replace(/^(postgres(?:ql)?:\/\/)[^/?#\s]*@/i, "$1***@")

/**
 * The evidence store: the flag, else ROLLWISE_EVIDENCE_DB, else
 * .rollwise/evidence.db. A `postgres://` or `postgresql://` URL names a
 * PostgreSQL database (the one a replicated `rollwise serve` uses); anything
 * else is a SQLite file. For a URL, what comes back is the URL with its
 * credentials hidden — commands print it ("evidence in …") — and
 * `openExisting`/`openOrCreate` of that value open the real one, kept here.
 */
export const pathOf = (flag: Option.Option<string>): string => {
  const db = Option.getOrElse(flag, () => {
    const env = process.env["ROLLWISE_EVIDENCE_DB"]
    return env !== undefined && env !== "" ? env : SqliteEvidenceStore.defaultPath
  })
  if (!isPostgresUrl(db)) return db
  const safe = shown(db)
  urls.set(safe, db.trim())
  return safe
}

/**
 * Open a PostgreSQL store: loaded only when asked for, so SQLite users never
 * load the PostgreSQL driver. Its errors name the URL without the password.
 */
const openPostgres = (url: string) =>
  Effect.gen(function* () {
    const { EvidencePostgres } = yield* Effect.promise(() => import("@rollwise/evidence-postgres"))
    const store: SqliteEvidenceStore.Service = yield* EvidencePostgres.make({ url: urls.get(url) ?? url.trim() })
    return store
  })

/** Open an existing store: a missing SQLite file is an input error, not a new empty store; a PostgreSQL database is migrated if new. */
export const openExisting = (path: string) =>
  Effect.gen(function* () {
    if (isPostgresUrl(path)) return yield* openPostgres(path)
    const fs = yield* FileSystem.FileSystem
    if (!(yield* fs.exists(path).pipe(Effect.orElseSucceed(() => false)))) {
      return yield* new CliInputError({ file: path, detail: "no evidence store here (rollwise rollout, or rollwise demo --evidence FILE, creates one)" })
    }
    return yield* SqliteEvidenceStore.make({ path })
  })

/** Open the store, creating it (a SQLite file and its folder, or the schema in a PostgreSQL database) when missing. */
export const openOrCreate = (path: string) => (isPostgresUrl(path) ? openPostgres(path) : SqliteEvidenceStore.make({ path }))
