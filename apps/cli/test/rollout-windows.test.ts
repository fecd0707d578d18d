import { type SshFleet, startSshFleet } from "@rollwise/ssh-harness"
import { HostsFile } from "@rollwise/target-windows"
import { RecordedFleet } from "@rollwise/target-windows/testing"
import { Effect } from "effect"
import type { ChildProcess } from "node:child_process"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parse } from "yaml"
import { background, rolloutSlo, scratch } from "./support.ts"

/**
 * `rollwise rollout --target windows --hosts hosts.yaml` through the bundled
 * CLI, over ssh2, against REAL sshd processes (Debian's OpenSSH, one per
 * simulated Windows host: the ARR controller and three IIS servers) whose
 * `powershell` is a shim answering with the recorded outputs of the real
 * cmdlets (RecordedFleet, in this process). No PowerShell runs here.
 * Traffic is simulated on a fast clock and judged by the real analyzer.
 */
const { dir, file } = scratch("rollout-windows")
const db = join(dir, "evidence.db")
const slo = file("slo.yaml", rolloutSlo(false))
const decision = (strategy: "canary" | "bluegreen" | "rolling", weights: ReadonlyArray<number>) =>
  file(
    `${strategy}.json`,
    JSON.stringify({
      risk_score: 42,
      strategy,
      pace: "normal",
      steps: weights.map((weight) => ({ weight, pauseSeconds: 60 })),
      approval_required: false,
      model: { kind: "heuristic", version: "1" },
      reasons: []
    })
  )
const decisions = { canary: decision("canary", [10, 25, 50, 100]), bluegreen: decision("bluegreen", [0, 100]), rolling: decision("rolling", [33, 67, 100]) }

let fleet: SshFleet
let recorded: RecordedFleet.Fleet
beforeAll(async () => {
  fleet = await startSshFleet(["arr01", "web1", "web2", "web3"], ({ server, script }) => {
    const reply = recorded.answer(server, script ?? "")
    return "drop" in reply ? { drop: true, delayMs: reply.delayMs } : { ...reply.answer, code: reply.answer.code ?? 0, delayMs: reply.delayMs }
  })
}, 60_000)
afterAll(async () => {
  await fleet?.close()
})

/** hosts.yaml for the fleet (pinned host keys, the harness's key), and a fresh recorded state for it. */
const hostsFor = (strategy: "canary" | "bluegreen" | "rolling") => {
  const servers = ["arr01", "web1", "web2", "web3"].map((name) => {
    const s = fleet.servers[name]!
    const group = strategy === "canary" && name !== "arr01" ? `, group: ${name === "web1" ? "blue" : "green"}` : ""
    return `  - { name: ${name}, host: ${s.host}, port: ${s.port}, address: ${name}.farm.local, hostKey: "${s.fingerprint}"${group} }`
  })
  const text = `apiVersion: rollwise/v1
kind: WindowsHosts
credentials: { user: ${fleet.user}, keyFile: ${fleet.keyFile} }
farm: { name: shop-farm, controller: arr01, drainSeconds: 5 }
servers:
${servers.join("\n")}
site: { site: shop, pool: shop }
bluegreen:
  blue: { site: shop-blue, pool: shop-blue }
  green: { site: shop-green, pool: shop-green }
  liveBinding: "*:80:shop.example.com"
  greenUrl: http://localhost:8081/health
release: { artifact: '\\\\fs01\\builds\\shop\\shop-{version}.zip', dir: 'D:\\sites\\shop\\releases', stable: 2.4.0 }
health: { url: http://localhost/health, timeoutSeconds: 10 }
timeoutSeconds: 30
`
  const path = file(`hosts-${strategy}.yaml`, text)
  return { path, text }
}
const fresh = (strategy: "canary" | "bluegreen" | "rolling", hostsText: string) => {
  // the same document the CLI decodes, parsed here by the lib to build the recorded state
  recorded = RecordedFleet.fromHosts(Effect.runSync(HostsFile.decode(parse(hostsText), "hosts.yaml", strategy)))
  return recorded
}
const start = (strategy: "canary" | "bluegreen" | "rolling", id: string, scenario: string, extra: ReadonlyArray<string> = []) => {
  const hosts = hostsFor(strategy)
  return {
    args: ["rollout", "--decision", decisions[strategy], "--slo", slo, "--target", "windows", "--hosts", hosts.path, "--version", "2.5.0", "--simulate", scenario, "--speed", "1200", "--db", db, "--id", id, ...extra],
    hosts
  }
}
const changes = () => recorded.effects.map((e) => `${e.server}: ${e.change}`)
const kill = (child: ChildProcess) => child.pid !== undefined && process.kill(child.pid, "SIGKILL")

describe("rollwise rollout --target windows (bundled CLI, ssh2, real sshd with a recorded-PowerShell shim, simulated traffic)", () => {
  it("blue/green: green deployed and checked at 0 %, the live binding flipped at 100 %, promoted (exit 0)", async () => {
    const { args, hosts } = start("bluegreen", "win-bg", "healthy")
    fresh("bluegreen", hosts.text)
    const run = background([...args, "--json"], {}, dir)
    expect(await run.exited, run.output().stderr).toBe(0)
    expect(JSON.parse(run.output().stdout)).toMatchObject({ result: "promoted", steps: "2/2" })
    for (const server of ["web1", "web2", "web3"]) {
      expect(recorded.hosts[server]!.sites["shop-green"]!.bindings.map((b) => b.info)).toEqual(["*:80:shop.example.com"])
      expect(recorded.hosts[server]!.sites["shop-blue"]!.path).toBe("D:\\sites\\shop\\releases\\2.4.0")
    }
    expect(new Set(changes()).size).toBe(changes().length)
    // the PowerShell it ran is on stderr, line by line
    expect(run.output().stderr).toContain("web1> # rollwise flip")
    expect(run.output().stderr).toContain("web1> $Live = 'green'")
  }, 240_000)

  it("canary: ARR weights 10 → 25 → 50 → 100 % on the green servers, promoted (exit 0)", async () => {
    const { args, hosts } = start("canary", "win-canary", "healthy")
    fresh("canary", hosts.text)
    const run = background(args, {}, dir)
    expect(await run.exited, run.output().stderr).toBe(0)
    const weights = changes().filter((c) => c.startsWith("arr01: weight web2"))
    expect(weights).toEqual(["arr01: weight web2.farm.local 10", "arr01: weight web2.farm.local 25", "arr01: weight web2.farm.local 50", "arr01: weight web2.farm.local 100"])
    expect(recorded.hosts["arr01"]!.farms["shop-farm"]!["web1.farm.local"]!.weight).toBe(0)
    expect(new Set(changes()).size).toBe(changes().length)
  }, 240_000)

  it("rolling: one server per batch, each drained, deployed, checked and restored; promoted (exit 0)", async () => {
    const { args, hosts } = start("rolling", "win-rolling", "healthy")
    fresh("rolling", hosts.text)
    const run = background(args, {}, dir)
    expect(await run.exited, run.output().stderr).toBe(0)
    expect(changes().filter((c) => c.includes("state "))).toEqual([
      "arr01: state web1.farm.local Drain",
      "arr01: state web1.farm.local Available",
      "arr01: state web2.farm.local Drain",
      "arr01: state web2.farm.local Available",
      "arr01: state web3.farm.local Drain",
      "arr01: state web3.farm.local Available"
    ])
    for (const server of ["web1", "web2", "web3"]) expect(recorded.hosts[server]!.sites["shop"]!.path).toBe("D:\\sites\\shop\\releases\\2.5.0")
  }, 240_000)

  it("a failed analysis rolls the canary back: all weight back on blue (exit 11)", async () => {
    const { args, hosts } = start("canary", "win-regress", "latency-regression")
    fresh("canary", hosts.text)
    const run = background(args, {}, dir)
    expect(await run.exited, run.output().stderr).toBe(11)
    expect(run.output().stderr).toMatch(/ROLLED BACK/)
    const farm = recorded.hosts["arr01"]!.farms["shop-farm"]!
    expect([farm["web1.farm.local"]!.weight, farm["web2.farm.local"]!.weight, farm["web3.farm.local"]!.weight]).toEqual([200, 0, 0])
  }, 240_000)

  it("a connection dropped mid-step (the shim kills its sshd session after the change) is retried: promoted, nothing applied twice", async () => {
    const { args, hosts } = start("canary", "win-drop", "healthy")
    fresh("canary", hosts.text)
    recorded.inject({ op: "weights", kind: "drop", times: 2 })
    const sentBefore = fleet.scripts().length
    const run = background(args, {}, dir)
    expect(await run.exited, run.output().stderr).toBe(0)
    expect(run.output().stderr).toMatch(/arr01! Unreachable: arr01 \(127\.0\.0\.1:\d+\): the connection dropped before weights answered/)
    expect(new Set(changes()).size).toBe(changes().length)
    // four steps and a promote, two of them sent twice
    expect(fleet.scripts().slice(sentBefore).filter((s) => s.server === "arr01" && s.script.startsWith("# rollwise weights\n"))).toHaveLength(7)
  }, 240_000)

  it("rolling: a batch whose AppPool stops after the deploy fails; the rollout rolls back and every server runs the stable release again", async () => {
    const { args, hosts } = start("rolling", "win-rolling-bad", "healthy")
    fresh("rolling", hosts.text)
    recorded.hosts["web2"]!.crashOnDeploy.push("shop")
    const run = background(args, {}, dir)
    expect(await run.exited, run.output().stderr).toBe(11)
    expect(run.output().stderr).toContain("web2: health: application pool 'shop' is Stopped")
    for (const server of ["web1", "web2", "web3"]) expect(recorded.hosts[server]!.sites["shop"]!.path).toBe("D:\\sites\\shop\\releases\\2.4.0")
    expect(changes().some((c) => c.startsWith("web3:"))).toBe(false)
  }, 240_000)

  it("kill -9 while a step's script runs (it already took effect), then --resume: the step is re-run, promoted, and no change is made twice (the shim's log)", async () => {
    const { args, hosts } = start("canary", "win-kill", "healthy", ["--lease-ttl", "1"])
    fresh("canary", hosts.text)
    recorded.inject({ op: "deploy", server: "web3", kind: "slow", delayMs: 60_000 })
    const sentBefore = fleet.scripts().length
    const run = background(args, {}, dir)
    await Promise.race([run.waitFor(/web3> # rollwise deploy/), run.exited])
    // the shim has the script (and the recorded host made its change) before the CLI dies
    for (let i = 0; i < 600 && !changes().some((c) => c.startsWith("web3: recycle")); i++) await new Promise((r) => setTimeout(r, 100))
    expect(changes().some((c) => c.startsWith("web3: recycle")), run.output().stderr.split("\n").filter((l) => !/hook: \w+> /.test(l)).join("\n")).toBe(true)
    kill(run.child)
    await run.exited
    let resumed = background(["rollout", "--resume", "win-kill", "--db", db, "--lease-ttl", "1"], {}, dir)
    for (let attempt = 0; attempt < 40; attempt++) {
      const code = await resumed.exited
      if (code !== 7 || !/is being driven by/.test(resumed.output().stderr)) break
      await new Promise((r) => setTimeout(r, 300))
      resumed = background(["rollout", "--resume", "win-kill", "--db", db, "--lease-ttl", "1"], {}, dir)
    }
    expect(await resumed.exited, resumed.output().stderr).toBe(0)
    expect(new Set(changes()).size).toBe(changes().length)
    // the shim's log: the resumed run re-ran the step — it probed web3 again, saw the release in place and sent no second deploy
    const toWeb3 = (op: string) => fleet.scripts().slice(sentBefore).filter((s) => s.server === "web3" && s.script.startsWith(`# rollwise ${op}\n`)).length
    expect(toWeb3("probe")).toBeGreaterThanOrEqual(2)
    expect(toWeb3("deploy")).toBe(1)
    expect(changes().filter((c) => c.startsWith("web3: unpack"))).toHaveLength(1)
  }, 300_000)

  describe("--target-health: the windows judged by the hosts' own signals (IIS logs, WAS, Event Log) read over the same sshd", () => {
    const hostSlo = file(
      "slo-hosts.yaml",
      `apiVersion: rollwise/v1
kind: SloSpec
service: shop
window: 3s
maxWindows: 4
promoteAfter: 1
warmupWindows: 0
metrics:
  - { name: latency, kind: continuous, threshold: 0.5, tolerance: 0.2, query: "host:time-taken" }
  - { name: error-rate, kind: ratio, threshold: 0.05, tolerance: 1, errorsQuery: "host:http-5xx", totalQuery: "host:requests" }
  - { name: apppool-restarts, kind: counter, threshold: 0, critical: true, query: "host:apppool-restarts" }
`
    )
    const quick = file(
      "canary-quick.json",
      JSON.stringify({ risk_score: 30, strategy: "canary", pace: "fast", steps: [50, 100].map((weight) => ({ weight, pauseSeconds: 3 })), approval_required: false, model: { kind: "heuristic", version: "1" }, reasons: [] })
    )
    const healthArgs = (id: string, hostsPath: string) => ["rollout", "--decision", quick, "--slo", hostSlo, "--target", "windows", "--hosts", hostsPath, "--target-health", "--version", "2.5.0", "--db", db, "--id", id]

    it("a candidate as good as the stable release is promoted (exit 0)", async () => {
      const hosts = hostsFor("canary")
      fresh("canary", hosts.text)
      for (const server of ["web1", "web2", "web3"]) recorded.hosts[server]!.sites["shop"]!.traffic = { requestsPerSecond: 50, errorRatio: 0.002, latencySeconds: 0.1 }
      const run = background(healthArgs("win-health-ok", hosts.path), {}, dir)
      expect(await run.exited, run.output().stderr).toBe(0)
      expect(fleet.scripts().some((s) => s.script.startsWith("# rollwise signals\n"))).toBe(true)
      expect(run.output().stderr).toMatch(/window 1: latency pass, error-rate pass, apppool-restarts pass/)
    }, 240_000)

    it("a candidate whose pool keeps failing (WAS events on the green servers) is rolled back (exit 11)", async () => {
      const hosts = hostsFor("canary")
      fresh("canary", hosts.text)
      for (const server of ["web1", "web2", "web3"]) recorded.hosts[server]!.sites["shop"]!.traffic = { requestsPerSecond: 50, errorRatio: 0.002, latencySeconds: 0.1 }
      // worker processes of the green servers' pool fail throughout the next minutes
      const now = Date.now()
      for (const server of ["web2", "web3"]) for (let s = 0; s < 120; s++) recorded.hosts[server]!.workerFailures.push({ at: new Date(now + s * 1000).toISOString(), pool: "shop" })
      const run = background(healthArgs("win-health-bad", hosts.path), {}, dir)
      expect(await run.exited, run.output().stderr).toBe(11)
      expect(run.output().stderr).toMatch(/ROLLED BACK/)
      expect(run.output().stderr).toMatch(/apppool-restarts fail/)
      expect(recorded.hosts["arr01"]!.farms["shop-farm"]!["web2.farm.local"]!.weight).toBe(0)
    }, 240_000)
  })

  it("a bad hosts.yaml is refused up front with the field named (exit 3)", async () => {
    const bad = file("bad-hosts.yaml", "apiVersion: rollwise/v1\nkind: WindowsHosts\nservers: [{ name: web1, host: h, port: 70000 }]\nrelease: { artifact: a.zip, dir: 'D:\\r', stable: '1' }\n")
    const run = background(["rollout", "--decision", decisions.canary, "--slo", slo, "--target", "windows", "--hosts", bad, "--version", "2.5.0", "--simulate", "healthy", "--db", db], {}, dir)
    expect(await run.exited).toBe(3)
    expect(run.output().stderr).toContain("servers[0].port")
  }, 60_000)
})
