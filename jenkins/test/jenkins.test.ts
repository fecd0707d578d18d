/**
 * The Jenkins shared library, tested without Jenkins: JenkinsPipelineUnit and
 * the Jenkinsfile runner are Maven artifacts, and only npm and Debian are
 * reachable here. So:
 *
 * 1. every Groovy file (vars, the example Jenkinsfile, the test harness)
 *    compiles with Debian's groovyc;
 * 2. the real built CLI (apps/cli/bin/rollwise.js) runs each command the
 *    steps call, on the shipped examples, and its stdout and exit code become
 *    the canned answers — generated in this run, so they cannot drift from
 *    the CLI;
 * 3. test/groovy/RunTests.groovy runs each step and the Jenkinsfile under
 *    plain `groovy` with stubbed pipeline steps (Harness.groovy): `sh` runs
 *    the step's script in a real /bin/sh against a fake rollwise that logs
 *    its argv and replays those answers. Each Groovy test is one test here.
 */
import { spawn, spawnSync } from "node:child_process"
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, describe, expect, it } from "vitest"

const here = fileURLToPath(new URL(".", import.meta.url))
const jenkins = join(here, "..")
const repo = join(jenkins, "..")
const bin = process.env["ROLLWISE_CLI_BIN"] ?? join(repo, "apps/cli/bin/rollwise.js")
const javaHome = process.env["JAVA_HOME"] ?? ["/usr/lib/jvm/java-17-openjdk-amd64", "/usr/lib/jvm/default-java"].find(existsSync) ?? ""
const groovyEnv = { ...process.env, JAVA_HOME: javaHome }

const work = mkdtempSync(join(tmpdir(), "rollwise-jenkins-canned-"))
cpSync(join(repo, "examples"), work, { recursive: true })

interface Output {
  readonly stdout: string
  readonly status: number
  readonly argv: ReadonlyArray<string>
}
/** The real CLI, in a copy of examples/, with none of Jenkins' variables leaking in from outside. */
const rollwiseWith = (env: Record<string, string>, ...argv: ReadonlyArray<string>): Output => {
  const r = spawnSync(process.execPath, [bin, ...argv], {
    cwd: work,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1", GIT_COMMIT: "", BUILD_NUMBER: "", BUILD_URL: "", SOURCE_DATE_EPOCH: "1796540400", ...env }
  })
  return { stdout: r.stdout, status: r.status ?? -1, argv }
}
const rollwise = (...argv: ReadonlyArray<string>): Output => rollwiseWith({}, ...argv)

/** Start a rollout that waits for approval, approve it with `rollwise promote --by` once it waits, and collect both outputs. */
const approvedRollout = async (): Promise<{ rollout: Output; promote: Output }> => {
  const argv = ["rollout", "--decision", "strategy-bluegreen.json", "--slo", "slo-fast.yaml", "--target", "simulated", "--simulate", "healthy", "--speed", "6000", "--version", "2.6.0", "--id", "co-approve", "--approval-timeout", "360000000", "--db", "ev.db", "--json"]
  const child = spawn(process.execPath, [bin, ...argv], { cwd: work, env: { ...process.env, NO_COLOR: "1" } })
  let stdout = ""
  let stderr = ""
  child.stdout.on("data", (d: Buffer) => void (stdout += d.toString()))
  const waiting = new Promise<void>((resolve) =>
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString()
      if (stderr.includes("waiting for: rollwise promote")) resolve()
    })
  )
  const exited = new Promise<number>((resolve) => child.on("close", (code) => resolve(code ?? -1)))
  // never hang the run: a rollout that neither waits nor ends within 2 minutes is stopped (and its answer is wrong, which the checks below report)
  const guard = setTimeout(() => child.kill("SIGTERM"), 120_000)
  await Promise.race([waiting, exited])
  const promote = rollwise("promote", "--rollout", "co-approve", "--by", "alice", "--db", "ev.db", "--json")
  const status = await exited
  clearTimeout(guard)
  return { rollout: { stdout, status, argv }, promote }
}

const generate = async (): Promise<Record<string, Output>> => {
  writeFileSync(join(work, "slo-fast.yaml"), "apiVersion: rollwise/v1\nkind: SloSpec\nservice: checkout\nwindow: 1m\nmaxWindows: 6\npromoteAfter: 2\nwarmupWindows: 0\nmetrics:\n  - { name: latency, kind: continuous, threshold: 0.3, tolerance: 0.1 }\n  - { name: error-rate, kind: ratio, threshold: 0.01, tolerance: 0.5 }\n  - { name: restarts, kind: counter, threshold: 0, critical: true }\n")
  writeFileSync(join(work, "risky.json"), JSON.stringify({ ...JSON.parse(readFileSync(join(work, "strategy.json"), "utf8")), risk_score: 85 }))
  writeFileSync(join(work, "broken.json"), '{"service": "checkout", "linesAdded": -1}')
  // an error budget already spent: blocks on any day
  writeFileSync(join(work, "spent.yaml"), "apiVersion: rollwise/v1\nkind: GatePolicy\nerrorBudget:\n  target: 0.999\n  bad: 5000\n  total: 1000000\n  minRemaining: 0.10\n")
  mkdirSync(join(work, "dist"))
  writeFileSync(join(work, "dist/a.tar.gz"), Buffer.alloc(4096, 1))
  writeFileSync(join(work, "dist/b.tar.gz"), Buffer.alloc(4096, 2))
  writeFileSync(join(work, "dist/c.msi"), Buffer.alloc(4096, 3))
  const fast = ["--slo", "slo-fast.yaml", "--target", "simulated", "--speed", "6000", "--db", "ev.db", "--json"]
  const c: Record<string, Output> = {
    decide_k8s: rollwise("decide", "--changes", "changes.json", "--target", "k8s", "--out", "strategy-k8s.json", "--json"),
    decide_windows: rollwise("decide", "--changes", "changes.json", "--target", "windows", "--out", "strategy-windows.json", "--json"),
    decide_arm: rollwise("decide", "--changes", "changes.json", "--target", "arm", "--out", "strategy-arm.json", "--json"),
    decide_bad: rollwise("decide", "--changes", "broken.json", "--json"),
    gate_pass: rollwise("gate", "--policy", "policy.yaml", "--decision", "strategy.json", "--at", "2026-12-01T10:00:00Z", "--json"),
    gate_block: rollwise("gate", "--policy", "policy.yaml", "--decision", "strategy.json", "--at", "2026-12-24T10:00:00Z", "--json"),
    gate_approval: rollwise("gate", "--policy", "policy.yaml", "--decision", "risky.json", "--at", "2026-12-01T10:00:00Z", "--json"),
    gate_approved: rollwise("gate", "--policy", "policy.yaml", "--decision", "risky.json", "--at", "2026-12-01T10:00:00Z", "--approved", "--json"),
    rollout_promoted: rollwise("rollout", "--decision", "strategy.json", "--simulate", "healthy", "--id", "co-1", "--version", "2.5.0", ...fast),
    rollout_rolled_back: rollwise("rollout", "--decision", "strategy.json", "--simulate", "latency-regression", "--id", "co-2", "--version", "2.5.0", ...fast),
    rollout_aborted: rollwise("rollout", "--decision", "strategy.json", "--simulate", "healthy", "--policy", "spent.yaml", "--id", "co-3", "--version", "2.5.0", ...fast),
    analyze_rollback: rollwise("analyze", "--slo", "slo.yaml", "--observations", "observations-regression.ndjson", "--exit-code", "--json"),
    analyze_promote: rollwise("analyze", "--slo", "slo.yaml", "--observations", "observations-healthy.ndjson", "--exit-code", "--json"),
    bundle_create: rollwise("bundle", "create", "--name", "checkout", "--version", "2.5.0", "--artifact", "linux-amd64=dist/a.tar.gz", "--artifact", "linux-arm64=dist/b.tar.gz", "--artifact", "windows-x64=dist/c.msi", "--out", "dist/release.json", "--json"),
    bundle_verify: rollwise("bundle", "verify", "dist/release.json", "--json")
  }
  writeFileSync(join(work, "dist/b.tar.gz"), Buffer.concat([Buffer.alloc(4095, 2), Buffer.from([9])]))
  c["bundle_verify_bad"] = rollwise("bundle", "verify", "dist/release.json", "--json")
  c["promote_refused"] = rollwise("promote", "--rollout", "co-2", "--by", "alice", "--db", "ev.db", "--json")
  c["rollback_ok"] = rollwise("rollback", "--rollout", "co-2", "--reason", "post failure", "--db", "ev.db", "--json")
  c["rollback_refused"] = rollwise("rollback", "--rollout", "co-1", "--reason", "post failure", "--db", "ev.db", "--json")
  // what this CLI answers to the step's publish, with the token withCredentials hands it (Artifactory at a closed port: nothing is published anywhere)
  c["evidence_publish"] = rollwiseWith({ ROLLWISE_ARTIFACTORY_TOKEN: "test-token-not-a-secret" }, "evidence", "publish", "--build-name", "checkout/main", "--build-number", "812", "--rollout", "co-1", "--url", "http://127.0.0.1:9/artifactory", "--db", "ev.db", "--json")
  const approved = await approvedRollout()
  c["rollout_approved"] = approved.rollout
  c["promote_ok"] = approved.promote
  return c
}

const canned = await generate()
writeFileSync(join(work, "canned.json"), JSON.stringify(canned, null, 2))

const harnessDirs = mkdtempSync(join(tmpdir(), "rollwise-jenkins-harness-"))
const runGroovy = () =>
  spawnSync("groovy", ["-cp", join(here, "groovy"), join(here, "groovy/RunTests.groovy")], {
    encoding: "utf8",
    env: {
      ...groovyEnv,
      ROLLWISE_JENKINS_VARS: join(jenkins, "vars"),
      ROLLWISE_JENKINS_FAKE: join(here, "fake-rollwise.mjs"),
      ROLLWISE_JENKINSFILE: join(jenkins, "Jenkinsfile.example"),
      ROLLWISE_CANNED: join(work, "canned.json"),
      ROLLWISE_JENKINS_TMP: harnessDirs
    },
    maxBuffer: 64 * 1024 * 1024
  })
const groovyRun = runGroovy()
const lastLine = groovyRun.stdout.trim().split("\n").at(-1) ?? ""
const groovyResults: ReadonlyArray<{ name: string; ok: boolean; message: string }> = lastLine.startsWith("[") ? JSON.parse(lastLine) : []
afterAll(() => {
  // ROLLWISE_JENKINS_KEEP=1 keeps the canned answers (canned.json) to replay the Groovy run by hand
  if (process.env["ROLLWISE_JENKINS_KEEP"] === "1") return void process.stderr.write(`canned answers kept in ${work}\n`)
  for (const dir of [work, harnessDirs, ...compiled]) rmSync(dir, { recursive: true, force: true })
})

const compiled: Array<string> = []

describe("the canned answers come from the real CLI (built, run in this test run)", () => {
  it("every command the steps call answered with its documented exit code and JSON", () => {
    const codes = Object.fromEntries(Object.entries(canned).map(([k, v]) => [k, v.status]))
    expect(codes).toMatchObject({
      decide_k8s: 0, decide_windows: 0, decide_arm: 0, decide_bad: 3,
      gate_pass: 0, gate_block: 5, gate_approval: 5, gate_approved: 0,
      rollout_promoted: 0, rollout_rolled_back: 11, rollout_aborted: 5, rollout_approved: 0,
      analyze_rollback: 11, analyze_promote: 0,
      bundle_create: 0, bundle_verify: 0, bundle_verify_bad: 3,
      promote_ok: 0, promote_refused: 7, rollback_ok: 0, rollback_refused: 7
    })
    for (const key of ["decide_k8s", "gate_block", "rollout_rolled_back", "rollout_approved", "analyze_rollback", "bundle_create", "bundle_verify_bad"]) {
      expect(() => JSON.parse(canned[key]!.stdout), key).not.toThrow()
    }
    expect(JSON.parse(canned["gate_approval"]!.stdout).gates.filter((g: { status: string }) => g.status === "block").map((g: { gate: string }) => g.gate)).toEqual(["approval"])
    expect(JSON.parse(canned["rollout_approved"]!.stdout).result).toBe("promoted")
  })
})

describe("Groovy: every file compiles with groovyc (Debian groovy 2.4)", () => {
  it("vars/*.groovy, Jenkinsfile.example and the test harness compile", () => {
    const out = mkdtempSync(join(tmpdir(), "rollwise-groovyc-"))
    compiled.push(out)
    // groovyc wants a .groovy name; the Jenkinsfile is compiled as a script like Jenkins does
    copyFileSync(join(jenkins, "Jenkinsfile.example"), join(out, "JenkinsfileExample.groovy"))
    const vars = readdirSync(join(jenkins, "vars")).filter((f) => f.endsWith(".groovy")).map((f) => join(jenkins, "vars", f))
    const harness = readdirSync(join(here, "groovy")).filter((f) => f.endsWith(".groovy") && f !== "RunTests.groovy").map((f) => join(here, "groovy", f))
    expect(vars).toHaveLength(10)
    const r = spawnSync("groovyc", ["-d", join(out, "classes"), ...harness, ...vars, join(out, "JenkinsfileExample.groovy"), join(here, "groovy/RunTests.groovy")], { encoding: "utf8", env: groovyEnv })
    expect(r.stderr + r.stdout).toBe("")
    expect(r.status).toBe(0)
    for (const name of ["rollwiseDecide", "rollwiseGate", "rollwiseDeploy", "rollwiseAnalyze", "rollwisePromote", "rollwiseRollback", "rollwiseEvidence", "rollwiseBundle", "JenkinsfileExample"]) {
      expect(existsSync(join(out, "classes", `${name}.class`)), name).toBe(true)
    }
  })
})

describe("Groovy: the steps and the example Jenkinsfile under stubbed pipeline steps (plain groovy, real /bin/sh, real CLI output)", () => {
  it("the Groovy run finished and reported its tests", () => {
    expect(groovyRun.stderr).toBe("")
    expect(groovyRun.status).toBe(0)
    expect(groovyResults.length).toBeGreaterThanOrEqual(25)
  })
  for (const t of groovyResults) {
    it(t.name, () => {
      expect(t.message).toBe("")
      expect(t.ok).toBe(true)
    })
  }
})
