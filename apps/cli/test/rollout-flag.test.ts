import { OpenFeature } from "@openfeature/server-sdk"
import { Provider } from "@rollwise/target-flag"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { background, examples, rollwiseAsync, scratch } from "./support.ts"

/**
 * A feature-flag canary end to end: `rollwise rollout --target flag:KEY`
 * moves the flag's share of users step by step in a flag store folder,
 * `rollwise serve --flags-dir` serves it (ETag, 304), and an application in
 * this process evaluates it through the real OpenFeature SDK with Rollwise's
 * provider. The analysis judges simulated traffic (`--simulate`): the users'
 * metrics per variant would come from the application's own Prometheus
 * series in production.
 */
const { dir } = scratch("flag")
const flagsDir = join(dir, "flags")
const users = Array.from({ length: 400 }, (_, i) => `user-${i}`)
let server: ReturnType<typeof background>
let url = ""

beforeAll(async () => {
  server = background(["serve", "--port", "0", "--flags-dir", flagsDir], {}, dir)
  await server.waitFor(/"msg":"listening"/)
  url = /"address":"(http:\/\/[^"]+)"/.exec(server.output().stderr)![1]!
}, 60_000)
afterAll(async () => {
  server.child.kill("SIGTERM")
  await server.exited
  await OpenFeature.close()
})

/** Evaluate every user now: the set that gets the new code path. */
const sample = async (key: string) => {
  const client = OpenFeature.getClient(key)
  const on = new Set<string>()
  for (const user of users) if (await client.getBooleanValue(key, false, { targetingKey: user })) on.add(user)
  return on
}

/** Roll a flag out while the application polls it every 50 ms; every distinct share of users it saw, in order. */
const rollOut = async (key: string, scenario: "healthy" | "latency-regression") => {
  await OpenFeature.setProviderAndWait(key, new Provider.RollwiseProvider({ url, flags: [key], pollIntervalMs: 50, timeoutMs: 2000 }))
  const seen: Array<Set<string>> = []
  let done = false
  const run = rollwiseAsync(dir)("rollout", "--decision", join(examples, "strategy.json"), "--slo", join(examples, "slo.yaml"), "--target", `flag:${key}`, "--flags-dir", flagsDir, "--simulate", scenario, "--speed", "300", "--version", "2.5.0", "--db", join(dir, `${key}.db`), "--json").then((r) => {
    done = true
    return r
  })
  while (!done) {
    const on = await sample(key)
    if (seen.length === 0 || seen.at(-1)!.size !== on.size) seen.push(on)
    await new Promise((resolve) => setTimeout(resolve, 30))
  }
  const result = await run
  // one poll interval after the end, the application has the last word
  await new Promise((resolve) => setTimeout(resolve, 300))
  return { result, seen, final: await sample(key) }
}

describe("rollwise rollout --target flag:KEY with rollwise serve --flags-dir and the OpenFeature provider (real SDK)", () => {
  it("a healthy variant reaches every user step by step; a user once in stays in (nested, sticky)", async () => {
    const { result, seen, final } = await rollOut("new-cart", "healthy")
    expect(result.code, result.stderr).toBe(0)
    expect(JSON.parse(result.stdout)).toMatchObject({ result: "promoted" })
    expect(final.size).toBe(users.length)
    // the steps in between were seen: a growing share, never everyone at once
    expect(seen.some((s) => s.size > 0 && s.size < users.length)).toBe(true)
    for (let i = 1; i < seen.length; i++) for (const user of seen[i - 1]!) expect(seen[i]!.has(user), user).toBe(true)
    const stored = JSON.parse(readFileSync(join(flagsDir, "new-cart.json"), "utf8"))
    expect(stored).toMatchObject({ key: "new-cart", percentage: 100, on: "on", off: "off" })
  }, 180_000)

  it("a bad variant is rolled back: within a poll no user gets it, and the evidence records each change", async () => {
    const { result, seen, final } = await rollOut("new-search", "latency-regression")
    expect(result.code).toBe(11)
    expect(JSON.parse(result.stdout)).toMatchObject({ result: "rolled_back" })
    expect(seen.some((s) => s.size > 0)).toBe(true)
    expect(final.size).toBe(0)
    const stored = JSON.parse(readFileSync(join(flagsDir, "new-search.json"), "utf8"))
    expect(stored).toMatchObject({ percentage: 0 })
    const shown = await rollwiseAsync(dir)("evidence", "show", JSON.parse(result.stdout).rolloutId, "--db", join(dir, "new-search.db"))
    expect(shown.stdout).toMatch(/StepApplied\s+step 1\/4 applied: weight \d+ %/)
    expect(shown.stdout).toMatch(/RolledBack/)
  }, 180_000)
})
