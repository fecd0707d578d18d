import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { parse } from "yaml"
import { Fleet } from "../src/index.ts"

const example = parse(readFileSync(fileURLToPath(new URL("../../../examples/fleet.yaml", import.meta.url)), "utf8")) as Record<string, unknown>
const problem = (document: unknown) => Effect.runSync(Effect.flip(Fleet.decode(document, "fleet.yaml"))).message

describe("Fleet (the fleet file)", () => {
  it("the shipped examples/fleet.yaml decodes, with every default filled", () => {
    const fleet = Effect.runSync(Fleet.decode(example))
    expect(fleet.manager).toEqual({ mender: { url: "https://hosted.mender.io", tokenEnv: "ROLLWISE_MENDER_TOKEN", crashesAttribute: "rollwise_crashes", kpiAttributePrefix: "rollwise_kpi_" } })
    expect(Fleet.candidateArtifact(fleet, "2.5.0")).toBe("checkout-edge-2.5.0")
    expect(Fleet.managerKind(fleet.manager)).toBe("mender")
    const minimal = Effect.runSync(Fleet.decode({ apiVersion: "rollwise/v1", kind: "Fleet", name: "f", manager: { http: { url: "http://127.0.0.1:1" } }, artifact: { candidate: "a", stable: "b" } }))
    expect(minimal.install).toEqual({ maxFailurePercent: 10, waitSeconds: 600, pollSeconds: 10 })
    expect(minimal.devices).toEqual({ filters: {}, exclude: [] })
    expect(minimal.manager).toEqual({ http: { url: "http://127.0.0.1:1", tokenEnv: "ROLLWISE_OTA_TOKEN" } })
  })

  it("one clear error naming the first bad field", () => {
    expect(problem({ ...example, install: { maxFailurePercent: 120 } })).toBe("fleet.yaml: install.maxFailurePercent: expected a value between 0 and 100, got 120")
    expect(problem({ ...example, extra: 1 })).toBe("fleet.yaml: extra: unknown field (not in the schema)")
    expect(problem({ ...example, manager: { mender: { url: "https://user:pass@mender.example" } } })).toMatch(/^fleet.yaml: manager.mender.url: expected an http\(s\) URL without credentials/)
    expect(problem({ ...example, manager: { mender: { url: "https://m.example", tokenEnv: "lower" } } })).toMatch(/^fleet.yaml: manager.mender.tokenEnv: expected an environment variable name/)
    expect(problem({ ...example, manager: { mender: { url: "https://m.example" }, balena: { application: 1 } } })).toMatch(/^fleet.yaml: manager/)
  })
})
