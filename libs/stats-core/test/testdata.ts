/**
 * Read-only reference data from ../shared/testdata, read in place (never
 * copied into the repo). The path is relative to this file, which sits beside
 * the tests: libs/stats-core/test → ../../../../shared/testdata.
 */
import { readFileSync } from "node:fs"

/** Parsed JSON of a file in shared/testdata. */
export const readTestdata = (file: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../../../shared/testdata/${file}`, import.meta.url), "utf8"))

/** Text of a file in shared/testdata. */
export const readTestdataText = (file: string): string =>
  readFileSync(new URL(`../../../../shared/testdata/${file}`, import.meta.url), "utf8")
