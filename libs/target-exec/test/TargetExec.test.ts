import { DeployTarget } from "@rollwise/rollout-engine"
import { DeployTargetContract } from "@rollwise/rollout-engine/testing"
import { Effect, Exit } from "effect"
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { TargetExec } from "../src/index.ts"

const hook = fileURLToPath(new URL("./fixtures/hook.mjs", import.meta.url))
const dir = mkdtempSync(join(tmpdir(), "rollwise-exec-"))
let n = 0
const fresh = (env: Record<string, string> = {}) => {
  n++
  const state = join(dir, `state-${n}.json`)
  const log = join(dir, `log-${n}.txt`)
  const options: TargetExec.Options = {
    command: hook,
    description: { kind: "exec", name: "checkout" },
    rollout: { id: `r-${n}`, service: "checkout", version: "2.5.0" },
    env: { ...process.env, HOOK_STATE: state, HOOK_LOG: log, ...env }
  }
  return { options, log, target: TargetExec.make(options) }
}

const failure = async <A>(effect: Effect.Effect<A, DeployTarget.DeployTargetError>) => {
  const exit = await Effect.runPromiseExit(effect)
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (error?._tag !== "Fail") throw new Error("expected a typed failure")
  return error.error
}

// the real thing: a real executable run by the adapter, state kept in a file
DeployTargetContract.suite("exec target running a real hook executable (reference hook script)", () => TargetExec.layer(fresh().options))

describe("exec target (real child processes)", () => {
  it("passes the operation, the step and the rollout to the hook as arguments and environment", async () => {
    const { target, log } = fresh()
    await Effect.runPromise(Effect.andThen(target.apply({ cohort: 5 }), target.apply({ weight: 25 })))
    await Effect.runPromise(target.promote)
    expect(readFileSync(log, "utf8").trim().split("\n")).toEqual(["apply cohort 5 r-" + n, "apply weight 25 r-" + n, "promote r-" + n])
    expect(await Effect.runPromise(target.status)).toEqual({ phase: "promoted", healthy: true, detail: "promoted", current: { weight: 100 } })
  })

  it.each([
    [75, "Unreachable", true],
    [69, "Unreachable", true],
    [77, "Forbidden", false],
    [78, "NotFound", false],
    [3, "Rejected", false]
  ] as const)("exit status %i is %s (transient: %s), with the hook's last stderr line", async (code, reason, transient) => {
    const { target } = fresh({ HOOK_FAIL: `apply:${code}:the load balancer said no` })
    const error = await failure(target.apply({ weight: 10 }))
    expect(error.reason).toBe(reason)
    expect(error.transient).toBe(transient)
    expect(error.detail).toContain(`exited ${code}: the load balancer said no`)
  })

  it("a hook that runs too long is killed and reported as a transient Timeout", async () => {
    const { options } = fresh({ HOOK_SLEEP_MS: "5000" })
    const started = Date.now()
    const error = await failure(TargetExec.make({ ...options, timeout: "300 millis" }).rollback)
    expect(error.reason).toBe("Timeout")
    expect(error.transient).toBe(true)
    expect(Date.now() - started).toBeLessThan(4000)
  })

  it("a missing hook is NotFound, naming the path", async () => {
    const error = await failure(TargetExec.make({ command: join(dir, "no-such-hook"), description: { kind: "exec", name: "x" } }).promote)
    expect(error.reason).toBe("NotFound")
    expect(error.detail).toContain("no-such-hook")
  })

  it("status output that is not the documented JSON is Rejected with what was printed", async () => {
    const error = await failure(TargetExec.make({ command: "/bin/echo", args: ["not json"], description: { kind: "exec", name: "x" } }).status)
    expect(error.reason).toBe("Rejected")
    expect(error.detail).toContain("not json")
  })

  it("never carries a secret the hook echoes into errors or output", async () => {
    const secret = "s3cr3t-token-value"
    const lines: Array<string> = []
    const { options } = fresh({ DEPLOY_API_TOKEN: secret, HOOK_ECHO: `using ${secret}`, HOOK_FAIL: `promote:1:auth ${secret} rejected` })
    const error = await failure(TargetExec.make({ ...options, onOutput: (l) => lines.push(l) }).promote)
    expect(error.detail).toContain("auth *** rejected")
    expect(error.detail).not.toContain(secret)
    expect(lines.join("\n")).toContain("using ***")
    expect(lines.join("\n")).not.toContain(secret)
  })

  it("maskSecrets masks only secret-looking variables", () => {
    expect(TargetExec.maskSecrets("a hunter22 b checkout", { DB_PASSWORD: "hunter22", SERVICE: "checkout" })).toBe("a *** b checkout")
  })

  it("never carries a credential the hook prints that is not in its environment (curl -v's Authorization header)", async () => {
    // (the fixture's HOOK_FAIL is op:code:message, so the message carries no colon)
    const { options } = fresh({ HOOK_FAIL: "promote:1:sent Bearer eyJhbGciOi.payload.sig and got 401" })
    const error = await failure(TargetExec.make(options).promote)
    expect(error.detail).toContain("sent Bearer *** and got 401")
    expect(error.detail).not.toContain("eyJhbGciOi")
  })
})
