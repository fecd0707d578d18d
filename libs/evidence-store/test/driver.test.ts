import { DriverContract } from "@rollwise/rollout-engine/testing"
import { Layer } from "effect"
import { SqliteEvidenceStore } from "../src/index.ts"
import { tempFolder } from "./fixtures/temp.ts"

const temp = tempFolder()

// the same concurrent-resumers-with-random-kills suite the memory store passes, on a real file
DriverContract.suite("SQLite store (real better-sqlite3, temp file)", (now) => Layer.orDie(SqliteEvidenceStore.layer({ path: temp.fresh(), now })), 15)
