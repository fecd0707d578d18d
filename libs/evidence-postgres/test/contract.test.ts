import { EvidenceStoreContract } from "@rollwise/rollout-engine/testing"
import { postgresPerFile } from "./fixtures/pg.ts"

const pg = postgresPerFile()

// the same suite the memory and SQLite stores pass, each test on a fresh database of a real server
EvidenceStoreContract.suite("PostgreSQL store (real PostgreSQL)", (now) => pg.layer(now))
