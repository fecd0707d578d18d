import { Effect, Layer } from "effect"
import { SentLog } from "../src/index.ts"
import { SentLogContract } from "../src/testing.ts"

SentLogContract.suite("in-memory layer", () => SentLog.layerMemory)

// one memory log shared by two layers: what a reopened store must behave like
const shared = Effect.runSync(SentLog.makeMemory).service
SentLogContract.suite("one in-memory log behind two layers (a restart over the same storage)", () => Layer.succeed(SentLog.SentLog, shared), () => Layer.succeed(SentLog.SentLog, shared))
