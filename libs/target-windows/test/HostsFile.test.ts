import { SloSpec } from "@rollwise/slo-policy"
import { Effect, Exit } from "effect"
import { readFileSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { parse } from "yaml"
import { HostsFile } from "../src/index.ts"
import { hostsDocument } from "./support.ts"

const example = parse(readFileSync(new URL("../../../examples/hosts.yaml", import.meta.url), "utf8")) as Record<string, unknown>
const messageOf = (input: unknown, strategy?: HostsFile.Strategy) => {
  const exit = Effect.runSyncExit(HostsFile.decode(input, "hosts.yaml", strategy))
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  return (exit.cause.reasons[0] as { error: Error }).error.message
}

describe("hosts.yaml (pure)", () => {
  it("examples/hosts.yaml decodes for every strategy", () => {
    for (const strategy of ["canary", "bluegreen", "rolling"] as const) {
      const hosts = Effect.runSync(HostsFile.decode(example, "examples/hosts.yaml", strategy))
      expect(HostsFile.webServers(hosts).map((s) => s.name)).toEqual(["web1", "web2", "web3"])
      expect(HostsFile.artifactFor(hosts, "2.5.0")).toBe("\\\\fs01\\builds\\checkout\\checkout-2.5.0.zip")
    }
  })

  it("each bad field is one error naming it", () => {
    const cases: ReadonlyArray<[unknown, string, HostsFile.Strategy?]> = [
      [{ ...example, kind: "Fleet" }, 'hosts.yaml: kind: expected "WindowsHosts", got "Fleet" (is this the right file?)'],
      [{ ...example, extra: 1 }, "hosts.yaml: extra: unknown field (not in the schema)"],
      [{ ...example, servers: [{ name: "web1", host: "h", port: 70000 }] }, "hosts.yaml: servers[0].port: expected a value between 1 and 65535, got 70000"],
      [{ ...example, servers: [{ name: "web1", host: "h", hostKey: "MD5:aa" }] }, "hosts.yaml: servers[0].hostKey"],
      [{ ...example, servers: [{ name: "web1", host: "h\u0000" }] }, "hosts.yaml: servers[0].host: must not contain NUL"],
      [{ ...example, release: { artifact: 'C:\\a"b.zip', dir: "D:\\r", stable: "1" } }, 'hosts.yaml: release.artifact: a Windows path cannot contain " < > or |'],
      [{ ...example, credentials: { user: "x" } }, "hosts.yaml: credentials: needs keyFile (a private key file) or passwordEnv (the env variable holding the password)"],
      [{ ...example, credentials: { keyFile: "k", passwordEnv: "bad name" } }, "hosts.yaml: credentials.passwordEnv"],
      [{ ...example, farm: { name: "f", controller: "nope" } }, 'hosts.yaml: farm.controller: "nope" is not one of the servers (arr01, web1, web2, web3)'],
      [{ ...example, servers: [...(example["servers"] as Array<unknown>), { name: "web1", host: "x" }] }, 'hosts.yaml: servers[4].name: "web1" is named twice'],
      [{ ...example, knownHosts: undefined }, "hosts.yaml: servers[0].hostKey: needs a pinned host key (SHA256:… from ssh-keygen -lf) or a knownHosts file for the whole fleet"],
      [{ ...example, bluegreen: undefined }, "hosts.yaml: bluegreen: a blue/green rollout needs bluegreen: {blue, green, liveBinding}", "bluegreen"],
      [{ ...example, farm: undefined }, "hosts.yaml: farm: a canary rollout needs the ARR web farm (farm: {name, controller})", "canary"],
      [{ ...example, site: undefined }, "hosts.yaml: site: a rolling rollout needs site: {site, pool}", "rolling"],
      [{ ...example, service: { name: "w", executable: "w.exe" } }, "hosts.yaml: service: a fleet serves either an IIS site (site) or a Windows Service (service), not both"],
      [{ ...example, site: undefined, service: { name: "w", executable: "w.exe" } }, "hosts.yaml: service: a Windows Service rolls out in rolling batches only, not blue/green", "bluegreen"],
      [{ ...example, site: undefined, service: { name: "w", executable: "w.exe", manager: "srvany" } }, "hosts.yaml: service.manager"],
      [hostsDocument("rolling"), "", "canary"]
    ]
    for (const [input, expected, strategy] of cases) {
      const clean = JSON.parse(JSON.stringify(input)) as unknown
      if (expected === "") expect(messageOf(clean, strategy)).toBe("hosts.yaml: servers: a canary rollout needs at least one server with group: blue")
      else expect(messageOf(clean, strategy)).toContain(expected)
    }
  })
})

describe("examples/slo-windows.yaml (pure)", () => {
  it("is a valid SloSpec whose every metric has the live queries its kind needs", () => {
    const text = readFileSync(new URL("../../../examples/slo-windows.yaml", import.meta.url), "utf8")
    const spec = Effect.runSync(SloSpec.decode(parse(text), "examples/slo-windows.yaml"))
    expect(spec.metrics.map((m) => m.name)).toEqual(["latency", "error-rate", "apppool-restarts", "event-log-errors"])
    for (const m of spec.metrics) {
      if (m.kind === "ratio") expect([m.errorsQuery, m.totalQuery].every((q) => q?.includes("windows_iis_worker_"))).toBe(true)
      else expect(m.query).toMatch(/\{\{track\}\}/)
    }
  })
})
