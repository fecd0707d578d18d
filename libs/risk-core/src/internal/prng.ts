/**
 * Seeded randomness for subsampling and random splits: stats-core's, so every
 * lib draws from the same well-tested generator.
 */
import { Random } from "@rollwise/stats-core"

export const mulberry32 = Random.mulberry32
export const permutation = Random.permutation
