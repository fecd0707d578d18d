import { DeployTarget } from "@rollwise/rollout-engine"
import { DeployTargetContract } from "@rollwise/rollout-engine/testing"
import { type SshFleet, startSshFleet } from "@rollwise/ssh-harness"
import { Effect, Exit } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { HostsFile, TargetWindows, type Transport } from "../src/index.ts"
import { RecordedFleet } from "../src/testing.ts"
import { decodeHosts, hostsDocument, recordedTarget, serverNames, shimHandler, sshLayer } from "./support.ts"

let fleet: SshFleet
let recorded: RecordedFleet.Fleet | undefined
beforeAll(async () => {
  fleet = await startSshFleet(serverNames, shimHandler(() => recorded!))
}, 60_000)
afterAll(async () => {
  await fleet?.close()
})

const layer = (strategy: "canary" | "bluegreen" | "rolling", output?: Array<string>) => sshLayer(strategy, () => fleet, (f) => void (recorded = f), output)
const run = <A>(strategy: "canary" | "bluegreen" | "rolling", f: (t: DeployTarget.DeployTarget["Service"]) => Effect.Effect<A, DeployTarget.DeployTargetError>, output?: Array<string>) =>
  Effect.runPromiseExit(Effect.flatMap(Effect.gen(function* () { return yield* DeployTarget.DeployTarget }), f).pipe(Effect.provide(layer(strategy, output))))
const reasonOf = (exit: Exit.Exit<unknown, DeployTarget.DeployTargetError>) => (Exit.isFailure(exit) ? (exit.cause.reasons[0] as { error?: DeployTarget.DeployTargetError }).error : undefined)

DeployTargetContract.suite("Windows ARR canary (real sshd, recorded PowerShell outputs)", () => layer("canary"))
DeployTargetContract.suite("Windows IIS blue/green (real sshd, recorded PowerShell outputs)", () => layer("bluegreen"), "weight", [0, 100, 0, 100])
DeployTargetContract.suite("Windows rolling batches (real sshd, recorded PowerShell outputs)", () => layer("rolling"))

describe("Windows strategies against the real sshd (recorded PowerShell outputs)", () => {
  it("canary: the first step drains, deploys, checks and restores each green server, then sets the farm's weights; promote gives green everything", async () => {
    const exit = await run("canary", (t) => Effect.andThen(Effect.andThen(Effect.andThen(t.apply({ weight: 10 }), t.apply({ weight: 25 })), t.promote), t.status))
    expect(Exit.isSuccess(exit)).toBe(true)
    const changes = recorded!.effects.map((e) => `${e.server}: ${e.change}`)
    expect(changes).toEqual([
      "arr01: state web2.farm.local Drain",
      "web2: unpack \\\\fs01\\builds\\shop\\shop-2.5.0.zip to D:\\sites\\shop\\releases\\2.5.0",
      "web2: site shop physicalPath D:\\sites\\shop\\releases\\2.5.0",
      "web2: recycle shop",
      "arr01: state web2.farm.local Available",
      "arr01: state web3.farm.local Drain",
      "web3: unpack \\\\fs01\\builds\\shop\\shop-2.5.0.zip to D:\\sites\\shop\\releases\\2.5.0",
      "web3: site shop physicalPath D:\\sites\\shop\\releases\\2.5.0",
      "web3: recycle shop",
      "arr01: state web3.farm.local Available",
      "arr01: weight web2.farm.local 10",
      "arr01: weight web3.farm.local 10",
      "arr01: weight web1.farm.local 180",
      "arr01: weight web2.farm.local 25",
      "arr01: weight web3.farm.local 25",
      "arr01: weight web1.farm.local 150",
      "arr01: weight web2.farm.local 100",
      "arr01: weight web3.farm.local 100",
      "arr01: weight web1.farm.local 0"
    ])
    // every script went through sshd and the shim, which logged it decoded
    const logged = fleet.scripts().slice(-recorded!.scripts.length)
    expect(logged.map((s) => s.script)).toEqual(recorded!.scripts.map((s) => s.text))
  })

  it("blue/green: weight 0 deploys green and checks it with no traffic; 100 swaps the live binding; rollback swaps it back and blue was never touched", async () => {
    const exit = await run("bluegreen", (t) => Effect.andThen(Effect.andThen(t.apply({ weight: 0 }), t.apply({ weight: 100 })), t.rollback))
    expect(Exit.isSuccess(exit)).toBe(true)
    const web1 = recorded!.effects.filter((e) => e.server === "web1").map((e) => e.change)
    expect(web1).toEqual([
      "unpack \\\\fs01\\builds\\shop\\shop-2.5.0.zip to D:\\sites\\shop\\releases\\2.5.0",
      "site shop-green physicalPath D:\\sites\\shop\\releases\\2.5.0",
      "recycle shop-green",
      "live binding *:80:shop.example.com on shop-green",
      "live binding *:80:shop.example.com on shop-blue"
    ])
    expect(recorded!.hosts["web1"]!.sites["shop-blue"]!.path).toBe("D:\\sites\\shop\\releases\\2.4.0")
  })

  it("rolling: a server whose pool stops after the deploy fails its batch (Rejected), the next server is untouched, rollback puts the stable release back", async () => {
    const output: Array<string> = []
    const exit = await run(
      "rolling",
      (t) =>
        Effect.gen(function* () {
          recorded!.hosts["web2"]!.crashOnDeploy.push("shop")
          yield* t.apply({ weight: 33 })
          const second = yield* Effect.exit(t.apply({ weight: 67 }))
          const failed = reasonOf(second)!
          const web3Before = recorded!.effects.filter((e) => e.server === "web3").length
          yield* t.rollback
          return { failed, web3Before }
        }),
      output
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    const { failed, web3Before } = (exit as Exit.Success<{ failed: DeployTarget.DeployTargetError; web3Before: number }>).value
    expect(failed.reason).toBe("Rejected")
    expect(failed.detail).toContain("application pool 'shop' is Stopped")
    expect(web3Before).toBe(0)
    for (const server of ["web1", "web2", "web3"]) expect(recorded!.hosts[server]!.sites["shop"]!.path).toBe("D:\\sites\\shop\\releases\\2.4.0")
    expect(Object.values(recorded!.hosts["arr01"]!.farms["shop-farm"]!).map((s) => s.state)).toEqual(["Available", "Available", "Available"])
    // what was sent shows up as lines: the script (web1> …) and the answer (web1< {…})
    expect(output.some((l) => l.startsWith("web2> # rollwise health"))).toBe(true)
    expect(output.some((l) => l.startsWith("web2< {") && l.includes("Stopped"))).toBe(true)
  })

  it("blue/green after a promote: green is live, so the next candidate goes to blue, and a rollback puts green back", async () => {
    const exit = await run("bluegreen", (t) =>
      Effect.gen(function* () {
        // the state a promoted 2.4.0 left: green live on 2.4.0, blue idle on 2.3.0; now 2.5.0 rolls out (hosts.yaml unchanged)
        for (const server of ["web1", "web2", "web3"]) {
          const host = recorded!.hosts[server]!
          host.sites["shop-blue"]!.path = "D:\\sites\\shop\\releases\\2.3.0"
          const live = host.sites["shop-blue"]!.bindings
          host.sites["shop-blue"]!.bindings = host.sites["shop-green"]!.bindings
          host.sites["shop-green"]!.bindings = live
        }
        yield* t.apply({ weight: 0 })
        yield* t.apply({ weight: 100 })
        yield* t.rollback
      })
    )
    expect(Exit.isSuccess(exit), String(Exit.isFailure(exit) ? exit.cause : "")).toBe(true)
    expect(recorded!.effects.filter((e) => e.server === "web1").map((e) => e.change)).toEqual([
      "unpack \\\\fs01\\builds\\shop\\shop-2.5.0.zip to D:\\sites\\shop\\releases\\2.5.0",
      "site shop-blue physicalPath D:\\sites\\shop\\releases\\2.5.0",
      "recycle shop-blue",
      "live binding *:80:shop.example.com on shop-blue",
      "live binding *:80:shop.example.com on shop-green"
    ])
  })

  it("a connection dropped after a step took effect is retried, and the retry changes nothing twice", async () => {
    const exit = await run("canary", (t) =>
      Effect.gen(function* () {
        recorded!.inject({ op: "weights", kind: "drop" })
        recorded!.inject({ op: "deploy", server: "web3", kind: "drop" })
        yield* t.apply({ weight: 10 })
      })
    )
    expect(Exit.isSuccess(exit), String(Exit.isFailure(exit) ? exit.cause : "")).toBe(true)
    const changes = recorded!.effects.map((e) => `${e.server}: ${e.change}`)
    expect(new Set(changes).size).toBe(changes.length)
    // both dropped scripts ran twice; their effects are there once
    expect(recorded!.scripts.filter((s) => s.op === "weights")).toHaveLength(2)
    expect(recorded!.scripts.filter((s) => s.op === "deploy" && s.server === "web3")).toHaveLength(2)
    expect(changes.filter((c) => c.startsWith("arr01: weight"))).toHaveLength(3)
  })

  it("access denied is Forbidden and not retried; the real cmdlet's text is the detail", async () => {
    const exit = await run("canary", (t) =>
      Effect.gen(function* () {
        recorded!.inject({ op: "weights", kind: "accessDenied" })
        yield* t.apply({ weight: 10 })
      })
    )
    const error = reasonOf(exit)
    expect(error?.reason).toBe("Forbidden")
    expect(error?.detail).toContain("insufficient permissions")
    expect(recorded!.scripts.filter((s) => s.op === "weights")).toHaveLength(1)
  })

  it("ARR reporting a green server unhealthy rejects the step, naming it", async () => {
    const exit = await run("canary", (t) =>
      Effect.gen(function* () {
        recorded!.hosts["arr01"]!.farms["shop-farm"]!["web3.farm.local"]!.healthy = false
        yield* t.apply({ weight: 10 })
      })
    )
    const error = reasonOf(exit)
    expect(error?.reason).toBe("Rejected")
    expect(error?.detail).toContain("web3.farm.local")
  })

  it("a site that does not exist is NotFound", async () => {
    const exit = await run("bluegreen", (t) =>
      Effect.gen(function* () {
        delete recorded!.hosts["web2"]!.sites["shop-green"]
        yield* t.apply({ weight: 0 })
      })
    )
    expect(reasonOf(exit)?.reason).toBe("NotFound")
    expect(reasonOf(exit)?.detail).toBe("web2: sides: IIS site 'shop-green' not found")
  })
})

describe("the same target over the in-memory recorded fleet (testing.ts, what the demo uses)", () => {
  DeployTargetContract.suite("Windows ARR canary (in-memory recorded hosts)", () => Layer_(recordedTarget("canary")))

  it("dropped connections are retried like any transport error, then the step succeeds once", async () => {
    const result = await Effect.runPromise(
      Effect.gen(function* () {
        const { target, fleet: f } = yield* recordedTarget("rolling")
        f.inject({ op: "probe", kind: "drop", times: 2 })
        yield* target.apply({ weight: 100 })
        return f
      })
    )
    expect(result.effects.filter((e) => e.change.startsWith("recycle"))).toHaveLength(3)
    expect(result.scripts.filter((s) => s.op === "probe")).toHaveLength(5)
  })
})

describe("Windows Services in rolling batches (in-memory recorded fleet)", () => {
  const serviceHosts = () => {
    const { site: _site, bluegreen: _bg, ...rest } = hostsDocument("rolling")
    return Effect.runSync(HostsFile.decode({ ...rest, service: { name: "CheckoutWorker", executable: "bin\\Checkout.Worker.exe", manager: "nssm" } }, "hosts.yaml", "rolling"))
  }
  it("each server: stop, point NSSM at the new release's executable, start, verify; a re-run changes nothing", async () => {
    const hosts = serviceHosts()
    const fleet = RecordedFleet.fromHosts(hosts)
    await Effect.runPromise(
      Effect.gen(function* () {
        const t = yield* TargetWindows.make({ hosts, transport: RecordedFleet.transport(fleet), strategy: "rolling", name: "worker", candidate: "2.5.0" })
        yield* t.apply({ weight: 33 })
        yield* t.apply({ weight: 33 })
        yield* t.promote
      })
    )
    expect(fleet.effects.filter((e) => e.server === "web1").map((e) => e.change)).toEqual([
      "unpack \\\\fs01\\builds\\shop\\shop-2.5.0.zip to D:\\sites\\shop\\releases\\2.5.0",
      "stop CheckoutWorker",
      "service CheckoutWorker Application D:\\sites\\shop\\releases\\2.5.0\\bin\\Checkout.Worker.exe",
      "start CheckoutWorker"
    ])
    expect(fleet.effects).toHaveLength(12)
  })

  it("a service that does not come back fails its batch; rollback starts the stable release again", async () => {
    const hosts = serviceHosts()
    const fleet = RecordedFleet.fromHosts(hosts)
    fleet.hosts["web2"]!.crashOnDeploy.push("CheckoutWorker")
    const exit = await Effect.runPromiseExit(
      Effect.gen(function* () {
        const t = yield* TargetWindows.make({ hosts, transport: RecordedFleet.transport(fleet), strategy: "rolling", name: "worker", candidate: "2.5.0" })
        const failed = yield* Effect.exit(t.apply({ weight: 100 }))
        yield* t.rollback
        return failed
      })
    )
    expect(Exit.isSuccess(exit)).toBe(true)
    const failed = reasonOf((exit as Exit.Success<Exit.Exit<void, DeployTarget.DeployTargetError>>).value)
    expect(failed?.detail).toBe("web2: serviceDeploy: Windows service 'CheckoutWorker' did not reach Running within 10 s (it is Stopped)")
    for (const server of ["web1", "web2", "web3"]) expect(fleet.hosts[server]!.services["CheckoutWorker"]).toEqual({ path: "D:\\sites\\shop\\releases\\2.4.0\\bin\\Checkout.Worker.exe", status: "Running" })
  })
})

describe("the demo's recorded fleet (testing.ts)", () => {
  it("decodes as a hosts.yaml for every strategy and promotes a canary, showing the PowerShell it ran", async () => {
    for (const strategy of ["canary", "bluegreen", "rolling"] as const) {
      const { hosts } = RecordedFleet.demo(strategy)
      expect(Effect.runSync(HostsFile.decode(JSON.parse(JSON.stringify(hosts)), "demo", strategy))).toEqual(hosts)
    }
    const { hosts, fleet } = RecordedFleet.demo("canary")
    const output: Array<string> = []
    await Effect.runPromise(
      Effect.flatMap(TargetWindows.make({ hosts, transport: RecordedFleet.transport(fleet), strategy: "canary", name: "checkout", candidate: "2.5.0", onOutput: (l) => void output.push(l) }), (t) =>
        Effect.andThen(t.apply({ weight: 10 }), t.promote)
      )
    )
    expect(fleet.hosts["arr01"]!.farms["checkout-farm"]!["web1.farm.local"]!.weight).toBe(0)
    expect(output).toContain("arr01>     Set-WebConfigurationProperty -PSPath 'MACHINE/WEBROOT/APPHOST' -Filter $filter -Name 'weight' -Value $s.weight")
    expect(output).toContain("arr01> $Servers = @(@{ address = 'web2.farm.local'; weight = 10 }, @{ address = 'web3.farm.local'; weight = 10 }, @{ address = 'web1.farm.local'; weight = 180 })")
  })
})

describe("secrets (in-memory recorded fleet)", () => {
  it("a password a host echoes back is masked in the output lines and in the error", async () => {
    const password = "Winter-2026-pa55word!"
    const hosts = decodeHosts("canary")
    const output: Array<string> = []
    const transport: Transport.Transport = {
      run: () => Effect.succeed({ stdout: JSON.stringify({ ok: false, reason: "Forbidden", detail: `Logon failure for svc-deploy with ${password}` }), stderr: "", code: 1 })
    }
    const exit = await Effect.runPromiseExit(
      Effect.flatMap(TargetWindows.make({ hosts, transport, strategy: "canary", name: "shop", candidate: "2.5.0", secrets: [password], onOutput: (l) => void output.push(l) }), (t) => t.apply({ weight: 10 }))
    )
    const error = reasonOf(exit)
    expect(error?.reason).toBe("Forbidden")
    expect(error?.detail).not.toContain(password)
    expect(output.join("\n")).not.toContain(password)
    expect(output.some((l) => l.startsWith("web2< ") && l.includes("Logon failure"))).toBe(true)
  })
})

import { Layer } from "effect"
const Layer_ = (e: ReturnType<typeof recordedTarget>) => Layer.orDie(Layer.effect(DeployTarget.DeployTarget, Effect.map(e, (r) => r.target)))
