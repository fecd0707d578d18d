import { DriverContract } from "@rollwise/rollout-engine/testing"
import { postgresPerFile } from "./fixtures/pg.ts"

const pg = postgresPerFile()

// one driver per rollout, on a real PostgreSQL: concurrent resumers and random kills, each play on a fresh database
DriverContract.suite("PostgreSQL store (real PostgreSQL, a database per play)", (now) => pg.layer(now), 15)
