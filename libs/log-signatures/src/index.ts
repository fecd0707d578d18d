/**
 * New error signatures from raw log lines: online template mining in the
 * style of Drain (`Miner`), the candidate-vs-baseline comparison that finds
 * templates new or significantly more frequent in the candidate
 * (`Signatures`), and the grouping-accuracy metric the benchmark reports
 * (`Accuracy`). Pure functions, no I/O.
 *
 * @since 0.1.0
 */
export * as Accuracy from "./Accuracy.ts"
export * as Miner from "./Miner.ts"
export * as Signatures from "./Signatures.ts"
