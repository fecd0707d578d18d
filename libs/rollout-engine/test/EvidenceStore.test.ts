import { Layer } from "effect"
import { EvidenceStore } from "../src/index.ts"
import { EvidenceStoreContract } from "../src/testing.ts"

EvidenceStoreContract.suite("in-memory layer", (now) => Layer.effect(EvidenceStore.EvidenceStore, EvidenceStore.makeMemoryWith({ now })))
