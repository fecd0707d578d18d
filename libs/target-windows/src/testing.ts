/**
 * Test support for @rollwise/target-windows: a recorded Windows fleet (the
 * outputs real IIS/ARR hosts give the generated scripts, replayed from a
 * model of each host's state, with injectable failures) as an in-memory
 * Transport — for the demo and for tests without an SSH server — and the
 * tokenizer that reads a generated script's literals back.
 */
export * as RecordedFleet from "./internal/recorded.ts"
export { parseScript, parseValue } from "./internal/scriptVars.ts"
