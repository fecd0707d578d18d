import { readFileSync } from "node:fs"
import { byName, ndjsonLines, scenarioSource, sloDocument } from "@rollwise/api-handler/testing"
import { SloSpec } from "@rollwise/slo-policy"
import { Context, Effect, Exit, Layer, Option, Redacted, Scope } from "effect"
import { HttpServer } from "effect/http"
import { makeServer, type ServeFlags, type ServerOptions } from "../src/index.ts"

/** A fixture file's text: the API's request fixtures are api-handler's, read in place (one copy for every API test). */
export const fixture = (name: string): string => readFileSync(new URL(`../../api-handler/test/fixtures/${name}`, import.meta.url), "utf8")

/** A JSON fixture. */
export const json = <A = unknown>(name: string): A => JSON.parse(fixture(name)) as A

/** NDJSON fixture lines as objects. */
export const ndjson = (name: string): Array<unknown> => ndjsonLines(fixture(name))

export { byName, sloDocument }

export const spec = Effect.runSync(SloSpec.decode(sloDocument, "test"))


export const token = "t0k3n-for-the-http-api-tests"
export const auth = { authorization: `Bearer ${token}` }

/** A running server on 127.0.0.1 and a free port, its log lines, and a way to stop it. */
export const startServer = async (options: Partial<ServerOptions> = {}) => {
  const lines: Array<string> = []
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(
    Layer.buildWithScope(
      makeServer({
        host: "127.0.0.1",
        port: 0,
        token: Redacted.make(token),
        slos: { checkout: spec },
        metricSource: scenarioSource(byName),
        log: (line) => lines.push(line),
        ...options
      }),
      scope
    )
  )
  const address = Context.get(context, HttpServer.HttpServer).address
  if (address._tag === "UnixPathAddress") throw new Error("expected an internet address")
  const url = `http://127.0.0.1:${address.port}`
  return {
    url,
    port: address.port,
    lines,
    fetch: (path: string, init: RequestInit = {}) => fetch(`${url}${path}`, init),
    post: (path: string, body: unknown, headers: Record<string, string> = auth) =>
      fetch(`${url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) }),
    close: () => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}

export type Running = Awaited<ReturnType<typeof startServer>>

/**
 * The analysis worker bundled as the apps bundle it (one ESM file, workspace
 * sources and npm packages inside), for tests that run the TypeScript
 * sources: a worker thread cannot load .ts itself.
 */
export const bundledAnalysisWorker = async (): Promise<URL> => {
  const { build } = await import("esbuild")
  const { mkdtempSync } = await import("node:fs")
  const { tmpdir } = await import("node:os")
  const { join } = await import("node:path")
  const { pathToFileURL, fileURLToPath } = await import("node:url")
  const outfile = join(mkdtempSync(join(tmpdir(), "rollwise-worker-")), "analysis-worker.mjs")
  await build({
    entryPoints: [fileURLToPath(new URL("../src/analysisWorker.ts", import.meta.url))],
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    conditions: ["@rollwise/source"],
    outfile,
    logLevel: "silent",
    banner: { js: 'import { createRequire as __rollwiseCreateRequire } from "node:module";\nconst require = __rollwiseCreateRequire(import.meta.url);' }
  })
  return pathToFileURL(outfile)
}

/** `rollwise serve`'s flags at their defaults (port 0), with `change` over them. */
export const serveFlagsWith = (change: Partial<ServeFlags> = {}): ServeFlags => ({
  host: "127.0.0.1",
  port: 0,
  insecure: false,
  tokenFile: Option.none(),
  hookTokenFile: Option.none(),
  publicJudge: false,
  sloDir: Option.none(),
  prometheus: Option.none(),
  loki: Option.none(),
  elasticsearch: Option.none(),
  tempo: Option.none(),
  jaeger: Option.none(),
  prometheusTimeout: 5,
  publicUrl: Option.none(),
  bodyLimit: 1024 * 1024,
  requestTimeout: 30,
  opaUrl: [],
  db: Option.none(),
  drive: [],
  flagsDir: Option.none(),
  hosts: Option.none(),
  fleet: Option.none(),
  maxDrivenRollouts: 16,
  analysisWorkers: 0,
  kubeconfig: Option.none(),
  context: Option.none(),
  ...change
})
