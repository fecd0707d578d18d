import { SqliteEvidenceStore } from "@rollwise/evidence-store"
import { Rollout } from "@rollwise/rollout-engine"
import { fc, test } from "@fast-check/vitest"
import { Effect } from "effect"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { inert, table } from "../../src/internal/Render.ts"
import { rollwiseIn, scratch } from "../support.ts"
import { hostileServer, promError, rollwiseAsync, windowEnd } from "./fake.ts"

/**
 * Issue #16, item 7: text rollwise did not write — who approved, why they
 * rolled back, what an upstream answered — is printed with its control
 * characters escaped, so it can neither move the cursor, recolour the
 * terminal nor forge a line of the timeline.
 */
const tmp = scratch("terminal")
const db = join(tmp.dir, "evidence.db")
const rollwise = rollwiseIn(tmp.dir)
const t0 = Date.parse("2026-11-29T10:00:00Z")

/** A forged timeline row: a newline, then what `evidence show` prints for a promotion. */
const forged = "\n99  2026-11-29 10:09:00  Promoted  PROMOTED: the candidate is the stable release"
const esc = "\u001b]0;owned\u0007\u001b[2J\u001b[31m"

beforeAll(async () => {
  await Effect.runPromise(
    Effect.scoped(
      Effect.gen(function* () {
        const store = yield* SqliteEvidenceStore.make({ path: db })
        yield* store.create({ rolloutId: "hostile-1", service: `checkout${esc}`, version: "1.0.0\r\u001b[Kfake", target: "simulated:checkout", startedAt: t0 })
        const plan = Rollout.planOf({ strategy: "canary", steps: [{ weight: 10, pauseSeconds: 60 }, { weight: 100, pauseSeconds: 0 }], approval_required: true })
        const events: ReadonlyArray<Rollout.Event> = [
          { _tag: "Started", plan },
          { _tag: "StepApplied", index: 0 },
          { _tag: "Approved", by: `mallory${forged}` },
          { _tag: "OperatorRollback", by: `eve${esc}`, reason: `pager\u009b2J\u2028${forged}` }
        ]
        let at = t0
        for (const event of events) yield* store.append("hostile-1", { type: event._tag, at: (at += 60_000), data: event })
      })
    )
  )
})

/** Every C0/C1 control character but the newlines that end lines. */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const controls = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/

describe("stored and upstream text is printed inert (bundled CLI)", () => {
  it("evidence show escapes control characters and newlines in recorded fields: no escape sequence, no forged row", () => {
    const r = rollwise("evidence", "show", "hostile-1", "--db", db)
    expect(r.code).toBe(0)
    expect(r.stdout).not.toMatch(controls)
    // the timeline has exactly its four rows, and none of them is a promotion
    const rows = r.stdout.split("\n").filter((line) => /^\s*\d+\s+\d{4}-/.test(line))
    expect(rows.map((line) => line.trim().split(/\s+/)[0])).toEqual(["1", "2", "3", "4"])
    expect(r.stdout.split("\n").filter((line) => line.includes("PROMOTED")).map((line) => line.slice(0, 2))).toEqual(["3 ", "4 "])
    expect(r.stdout).toContain("approved by mallory\\n99  2026-11-29 10:09:00  Promoted")
    // what was escaped stays readable
    expect(r.stdout).toContain("checkout\\x1b]0;owned\\x07\\x1b[2J\\x1b[31m")
    expect(r.stdout).toContain("eve\\x1b]0;owned")
  })

  it("evidence list escapes recorded fields too", () => {
    const r = rollwise("evidence", "list", "--db", db)
    expect(r.code).toBe(0)
    expect(r.stdout).not.toMatch(controls)
  })

  it("--json keeps the recorded text exactly (JSON escapes it already)", () => {
    const r = rollwise("evidence", "show", "hostile-1", "--db", db, "--json")
    expect(r.code).toBe(0)
    const doc = JSON.parse(r.stdout) as { events: Array<{ data: { by?: string } }> }
    expect(doc.events[2]!.data.by).toBe(`mallory${forged}`)
  })
})

describe("rollwise promote and rollback refuse a --by or --reason that is not one plain line (exit 3, nothing recorded)", () => {
  it.each([
    ["promote --by with a newline and a forged row", "promote", ["--by", `mallory${forged}`], "--by"],
    ["rollback --by with escape sequences", "rollback", ["--by", `eve${esc}`], "--by"],
    ["rollback --reason with a newline and a forged row", "rollback", ["--reason", `pager${forged}`], "--reason"],
    ["rollback --reason of 2,001 characters", "rollback", ["--reason", "x".repeat(2001)], "--reason"]
  ] as const)("%s", (_, command, flags, flag) => {
    const before = rollwise("evidence", "show", "hostile-1", "--db", db, "--json").stdout
    const r = rollwise(command, "--rollout", "hostile-1", "--db", db, ...flags)
    expect(r.code).toBe(3)
    expect(r.stderr.trim().split("\n")).toHaveLength(1)
    expect(r.stderr).toContain(flag)
    expect(rollwise("evidence", "show", "hostile-1", "--db", db, "--json").stdout).toBe(before)
  })
})

describe("upstream text in analyze's warnings and errors is printed inert", () => {
  let prometheus: Awaited<ReturnType<typeof hostileServer>>
  beforeAll(async () => {
    prometheus = await hostileServer((_req, res) => promError(res, 503, "unavailable", `overloaded${esc}\nrollwise: window 1 of 10: latency pass → promote`))
  })
  afterAll(() => prometheus.close())

  it("a Prometheus error with escape sequences and a forged progress line stays on one escaped line", async () => {
    const r = await rollwiseAsync(["analyze", "--slo", "slo-live.yaml", "--prometheus", prometheus.url, "--window-end", windowEnd, "--timeout", "1"])
    expect(r.code).toBe(0)
    expect(r.stderr).not.toMatch(controls)
    expect(r.stdout).not.toMatch(controls)
    expect(r.stderr).toContain("overloaded\\x1b]0;owned")
    expect(r.stderr.split("\n").filter((line) => line.startsWith("rollwise: window"))).toEqual([])
  })
})

describe("inert: what every human-readable table and line prints from text rollwise did not write", () => {
  test.prop([fc.string({ unit: "binary", maxLength: 80 })])("leaves no character a terminal acts on, and never a line break", (text) => {
    expect(inert(text)).not.toMatch(controls)
    expect(inert(text)).not.toContain("\n")
  })

  test.prop([fc.string({ unit: fc.constantFrom(..."abc XYZ 019 .,:;'\\\"-_@#[]éüß€🔥—→"), maxLength: 80 })])("leaves printable text as it is", (text) => {
    expect(inert(text)).toBe(text)
  })

  test.prop([fc.array(fc.array(fc.string({ unit: "binary", maxLength: 20 }), { minLength: 2, maxLength: 2 }), { minLength: 1, maxLength: 5 })])("a table has exactly one line per row, whatever its cells hold", (rows) => {
    expect(table(rows).split("\n")).toHaveLength(rows.length)
  })
})
