/**
 * Reference data from the repository's `testdata/` folder (each file's source
 * and licence in its README). The path is relative to this file, which sits
 * beside the tests: libs/stats-core/test → ../../../testdata.
 */
import { readFileSync } from "node:fs"

/** Parsed JSON of a file in testdata/. */
export const readTestdata = (file: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../../testdata/${file}`, import.meta.url), "utf8"))

/** Text of a file in testdata/. */
export const readTestdataText = (file: string): string =>
  readFileSync(new URL(`../../../testdata/${file}`, import.meta.url), "utf8")
