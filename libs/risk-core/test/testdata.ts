/// <reference types="node" />
import { readFileSync } from "node:fs"

/** Read a file of the repository's test data (`testdata/` at its root, with each file's source and licence). */
export const testdata = (path: string): string =>
  readFileSync(new URL(`../../../testdata/${path}`, import.meta.url), "utf8")
