import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { Scripts } from "../src/index.ts"
import { parseScript } from "../src/testing.ts"
import { hostile } from "./support.ts"

// the script a production rollout sends, one per operation: pinned in test/fixtures/*.ps1
const examples: Record<Scripts.Operation, Scripts.Script> = {
  deploy: Scripts.deploy({
    site: "shop",
    pool: "shop",
    artifact: "\\\\fs01\\builds\\shop\\shop-2.5.0.zip",
    releasesDir: "D:\\sites\\shop\\releases",
    version: "2.5.0",
    warmupUrl: "http://localhost/health",
    timeoutSeconds: 30
  }),
  health: Scripts.health({ pool: "shop", url: "http://localhost/health", since: "2026-12-06T07:00:00.000Z", eventSources: ["ASP.NET*", ".NET Runtime"], maxEventErrors: 0, timeoutSeconds: 30 }),
  probe: Scripts.probe({ site: "shop", pool: "shop" }),
  sides: Scripts.sides({ blueSite: "shop-blue", greenSite: "shop-green", liveBinding: "*:80:shop.example.com" }),
  flip: Scripts.flip({ blueSite: "shop-blue", greenSite: "shop-green", liveBinding: "*:80:shop.example.com", live: "green" }),
  weights: Scripts.weights({ farm: "shop-farm", servers: [{ address: "web2.farm.local", weight: 10 }, { address: "web1.farm.local", weight: 90 }] }),
  serverState: Scripts.serverState({ farm: "shop-farm", address: "web2.farm.local", state: "Drain", drainSeconds: 30 }),
  serviceDeploy: Scripts.serviceDeploy({
    name: "CheckoutWorker",
    manager: "sc",
    artifact: "\\\\fs01\\builds\\worker\\worker-2.5.0.msi",
    releasesDir: "D:\\services\\worker\\releases",
    version: "2.5.0",
    executable: "bin\\Checkout.Worker.exe",
    timeoutSeconds: 60
  }),
  serviceHealth: Scripts.serviceHealth({ name: "CheckoutWorker", since: "2026-12-06T07:00:00.000Z", eventSources: [".NET Runtime", "CheckoutWorker"], maxEventErrors: 0 }),
  signals: Scripts.signals({ sites: ["shop"], start: "2026-12-06T07:00:00.000Z", end: "2026-12-06T07:02:00.000Z", eventSources: ["ASP.NET*"], maxSamples: 2000 })
}

describe("generated PowerShell (pure, golden)", () => {
  for (const [op, script] of Object.entries(examples)) {
    it(`${op} is pinned in test/fixtures/${op}.ps1`, async () => {
      await expect(script.text).toMatchFileSnapshot(`fixtures/${op}.ps1`)
    })
  }

  it("every script starts with its header, binds its values, then sets ErrorActionPreference before any cmdlet", () => {
    for (const [op, script] of Object.entries(examples)) {
      expect(script.op).toBe(op)
      const lines = script.text.split("\n")
      expect(lines[0]).toBe(`# rollwise ${op}`)
      expect(lines[script.vars.length + 1]).toBe("$ErrorActionPreference = 'Stop'")
      expect(script.text).toContain("ConvertTo-Json -Compress")
    }
  })
})

// the body after the bound values must not depend on them: only the literals change
const bodyOf = (script: Scripts.Script) => script.text.split("\n$ErrorActionPreference = 'Stop'\n")[1]

describe("no user value breaks out of its literal (pure, fast-check)", () => {
  it("deploy, health, probe: the values read back from the script are the inputs, and the body is the pinned one", () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, hostile, fc.array(hostile, { maxLength: 4 }), (site, pool, artifact, version, sources) => {
        const d = Scripts.deploy({ site, pool, artifact, releasesDir: artifact, version, warmupUrl: version, timeoutSeconds: 5 })
        expect(parseScript(d.text)).toEqual({ op: "deploy", vars: { Site: site, Pool: pool, Artifact: artifact, ReleasesDir: artifact, Version: version, WarmupUrl: version, TimeoutSec: 5, ErrorActionPreference: "Stop", ProgressPreference: "SilentlyContinue" } })
        expect(bodyOf(d)).toBe(bodyOf(examples.deploy))
        const h = Scripts.health({ pool, url: site, since: version, eventSources: sources, maxEventErrors: 2, timeoutSeconds: 5 })
        expect(parseScript(h.text).vars).toMatchObject({ Pool: pool, Url: site, Since: version, Sources: sources, MaxEventErrors: 2 })
        expect(bodyOf(h)).toBe(bodyOf(examples.health))
        const p = Scripts.probe({ site, pool })
        expect(parseScript(p.text).vars).toMatchObject({ Site: site, Pool: pool })
        expect(bodyOf(p)).toBe(bodyOf(examples.probe))
      }),
      { numRuns: 300 }
    )
  })

  it("sides, flip, weights, serverState, serviceDeploy, serviceHealth, signals: the same", () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, fc.array(fc.tuple(hostile, fc.integer({ min: 0, max: 10_000 })), { maxLength: 4 }), (farm, a, b, servers) => {
        const sd = Scripts.sides({ blueSite: a, greenSite: b, liveBinding: farm })
        expect(parseScript(sd.text).vars).toMatchObject({ BlueSite: a, GreenSite: b, LiveBinding: farm })
        expect(bodyOf(sd)).toBe(bodyOf(examples.sides))
        const f = Scripts.flip({ blueSite: a, greenSite: b, liveBinding: farm, live: "blue" })
        expect(parseScript(f.text).vars).toMatchObject({ BlueSite: a, GreenSite: b, LiveBinding: farm, Live: "blue" })
        expect(bodyOf(f)).toBe(bodyOf(examples.flip))
        const w = Scripts.weights({ farm, servers: servers.map(([address, weight]) => ({ address, weight })) })
        expect(parseScript(w.text).vars).toMatchObject({ Farm: farm, Servers: servers.map(([address, weight]) => ({ address, weight })) })
        expect(bodyOf(w)).toBe(bodyOf(examples.weights))
        const sd2 = Scripts.serviceDeploy({ name: a, manager: "nssm", artifact: b, releasesDir: farm, version: a, executable: b, timeoutSeconds: 7 })
        expect(parseScript(sd2.text).vars).toMatchObject({ Name: a, Manager: "nssm", Artifact: b, ReleasesDir: farm, Version: a, Executable: b, TimeoutSec: 7 })
        expect(bodyOf(sd2)).toBe(bodyOf(examples.serviceDeploy))
        const sh = Scripts.serviceHealth({ name: b, since: a, eventSources: [farm], maxEventErrors: 1 })
        expect(parseScript(sh.text).vars).toMatchObject({ Name: b, Since: a, Sources: [farm], MaxEventErrors: 1 })
        expect(bodyOf(sh)).toBe(bodyOf(examples.serviceHealth))
        const sg = Scripts.signals({ sites: [a, b], start: farm, end: a, eventSources: [b], maxSamples: 9 })
        expect(parseScript(sg.text).vars).toMatchObject({ Sites: [a, b], Start: farm, End: a, Sources: [b], MaxSamples: 9 })
        expect(bodyOf(sg)).toBe(bodyOf(examples.signals))
        const s = Scripts.serverState({ farm, address: a, state: "Available", drainSeconds: 3 })
        expect(parseScript(s.text).vars).toMatchObject({ Farm: farm, Address: a, State: "Available", DrainSeconds: 3 })
        expect(bodyOf(s)).toBe(bodyOf(examples.serverState))
      }),
      { numRuns: 300 }
    )
  })
})
