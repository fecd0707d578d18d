import { SqliteEvidenceStore } from "@rollwise/evidence-store"
import { Effect, FileSystem, Option } from "effect"
import { InputError } from "./Io.ts"

/** The evidence store's path: the flag, else ROLLWISE_EVIDENCE_DB, else .rollwise/evidence.db. */
export const pathOf = (flag: Option.Option<string>): string =>
  Option.getOrElse(flag, () => {
    const env = process.env["ROLLWISE_EVIDENCE_DB"]
    return env !== undefined && env !== "" ? env : SqliteEvidenceStore.defaultPath
  })

/** Open an existing store: a missing file is an input error, not a new empty store. */
export const openExisting = (path: string) =>
  Effect.gen(function* () {
    const fs = yield* FileSystem.FileSystem
    if (!(yield* fs.exists(path).pipe(Effect.orElseSucceed(() => false)))) {
      return yield* new InputError({ file: path, detail: "no evidence store here (rollwise rollout, or rollwise demo --evidence FILE, creates one)" })
    }
    return yield* SqliteEvidenceStore.make({ path })
  })

/** Open the store, creating it (and its folder) when missing. */
export const openOrCreate = (path: string) => SqliteEvidenceStore.make({ path })
