/// <reference types="node" />
import { readFileSync } from "node:fs"

/** Read a file of the shared test data in place (never copied into the repo). */
export const testdata = (path: string): string =>
  readFileSync(new URL(`../../../../shared/testdata/${path}`, import.meta.url), "utf8")
