import { execFile } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { parseAllDocuments } from "yaml"
import { binaries } from "../src/index.ts"

export type Obj = Record<string, unknown>

/** Every document of a YAML file in test/fixtures. */
export const fixture = (file: string): Array<Obj> =>
  parseAllDocuments(readFileSync(join(import.meta.dirname, "fixtures", file), "utf8")).map((d) => d.toJSON() as Obj)

export const fixturePath = (file: string): string => join(import.meta.dirname, "fixtures", file)

/** Read a nested field: `at(o, "status", "canary", "weights")`. */
export const at = (o: unknown, ...path: ReadonlyArray<string | number>): unknown =>
  path.reduce<unknown>((x, key) => (typeof x === "object" && x !== null ? (x as Record<string | number, unknown>)[key] : undefined), o)

export interface KubectlResult {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

/**
 * Run the real kubectl (never the machine's) asynchronously — the fake
 * server lives in this process, so a synchronous exec would starve it.
 * HOME points at `home` so kubectl's discovery cache stays in the temp dir.
 */
export const kubectl = (kubeconfig: string, home: string, args: ReadonlyArray<string>, input?: string): Promise<KubectlResult> =>
  new Promise((resolve) => {
    const child = execFile(
      binaries().kubectl,
      ["--kubeconfig", kubeconfig, ...args],
      { env: { PATH: process.env["PATH"] ?? "", HOME: home }, encoding: "utf8", timeout: 20_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1
        resolve({ code, stdout, stderr })
      }
    )
    if (input !== undefined) child.stdin?.end(input)
  })
