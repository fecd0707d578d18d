import { fc, test } from "@fast-check/vitest"
import { Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { Gates } from "../src/index.ts"

const at = (iso: string) => Date.parse(iso)
const window: Gates.ChangeWindow = {
  timeZone: "Europe/Berlin",
  blocked: [
    { days: ["sat", "sun"], from: "00:00", to: "24:00", reason: "weekend" },
    { days: ["fri"], from: "16:00", to: "02:00", reason: "no Friday evening deploys" }
  ],
  freezes: [{ from: "2026-12-20", to: "2027-01-02", reason: "year-end" }]
}

describe("change window", () => {
  it.each([
    ["2026-12-01T10:00:00Z", "pass", "tue 2026-12-01 11:00 Europe/Berlin"],
    ["2026-12-05T10:00:00Z", "block", "weekend"],
    ["2026-12-04T15:30:00Z", "block", "no Friday evening deploys"], // 16:30 Berlin
    ["2026-12-05T00:30:00Z", "block", "no Friday evening deploys"], // Sat 01:30, past midnight of Friday's period
    ["2026-12-04T14:59:00Z", "pass", "fri 2026-12-04 15:59"],
    ["2026-12-24T10:00:00Z", "block", "inside the freeze 2026-12-20 – 2027-01-02 (year-end)"],
    ["2027-01-02T22:59:00Z", "block", "freeze"], // 23:59 local on the last freeze day
    ["2027-01-04T08:00:00Z", "pass", "mon"]
  ])("%s → %s", (iso, status, text) => {
    const r = Gates.checkChangeWindow(window, at(iso))
    expect(r.status).toBe(status)
    expect(r.reasons.join(" ")).toContain(text)
  })

  it("reads time in the policy's zone, across DST", () => {
    // 2026-03-29 is the EU switch to summer time: 08:00Z is 10:00 in Berlin
    expect(Gates.localTime(at("2026-03-29T08:00:00Z"), "Europe/Berlin")).toEqual({ date: "2026-03-29", day: "sun", minute: 600 })
    expect(Gates.localTime(at("2026-03-28T08:00:00Z"), "Europe/Berlin").minute).toBe(540)
  })

  it("rejects an unknown time zone naming the field", async () => {
    const exit = await Effect.runPromiseExit(
      Gates.decodePolicy({ apiVersion: "rollwise/v1", kind: "GatePolicy", changeWindow: { timeZone: "Mars/Olympus" } })
    )
    expect(Exit.isFailure(exit) && String(exit.cause)).toContain('changeWindow.timeZone: unknown time zone "Mars/Olympus"')
  })
})

describe("policy.yaml dates and periods (every one validated, one error naming the field)", () => {
  const policy = (changeWindow: object, extra: object = {}) => ({ apiVersion: "rollwise/v1", kind: "GatePolicy", changeWindow: { timeZone: "Europe/Berlin", ...changeWindow }, ...extra })
  const problem = async (input: unknown) => {
    const exit = await Effect.runPromiseExit(Gates.decodePolicy(input))
    return Exit.isFailure(exit) ? String(exit.cause) : "accepted"
  }

  it.each([
    ["a freeze written backwards", policy({ freezes: [{ from: "2027-01-02", to: "2026-12-20" }] }), "changeWindow.freezes[0].to: the freeze ends (2026-12-20) before it starts (2027-01-02); it would never block"],
    ["month 13", policy({ freezes: [{ from: "2026-13-01", to: "2026-13-02" }] }), 'changeWindow.freezes[0].from: "2026-13-01" is not a calendar date (YYYY-MM-DD)'],
    ["30 February", policy({ freezes: [{ from: "2026-02-01", to: "2026-02-30" }] }), 'changeWindow.freezes[0].to: "2026-02-30" is not a calendar date'],
    ["29 February of a common year", policy({ freezes: [{ from: "2027-02-29", to: "2027-03-01" }] }), 'changeWindow.freezes[0].from: "2027-02-29" is not a calendar date'],
    ["a period from 24:00", policy({ blocked: [{ days: ["mon"], from: "24:00", to: "06:00" }] }), "changeWindow.blocked[0].from: a period starts at 00:00 to 23:59; 24:00 only ends one"],
    ["more bad events than events", { apiVersion: "rollwise/v1", kind: "GatePolicy", errorBudget: { target: 0.999, bad: 10, total: 5 } }, "errorBudget.bad: 10 bad events of 5 in all: bad cannot exceed total"]
  ])("refuses %s", async (_, input, text) => {
    expect(await problem(input)).toContain(text)
  })

  it("accepts 29 February of a leap year, a one-day freeze and a period past midnight", async () => {
    expect(await problem(policy({ freezes: [{ from: "2028-02-29", to: "2028-02-29" }], blocked: [{ days: ["fri"], from: "16:00", to: "02:00" }] }))).toBe("accepted")
  })

  const day = fc.record({ year: fc.integer({ min: 1900, max: 2200 }), month: fc.integer({ min: 1, max: 12 }), day: fc.integer({ min: 1, max: 31 }) })
  const text = (d: { year: number; month: number; day: number }) => `${d.year}-${String(d.month).padStart(2, "0")}-${String(d.day).padStart(2, "0")}`

  test.prop([day])("a date is a calendar date exactly when JavaScript's UTC calendar has that day", (d) => {
    const real = new Date(Date.UTC(d.year, d.month - 1, d.day))
    const exists = real.getUTCFullYear() === d.year && real.getUTCMonth() === d.month - 1 && real.getUTCDate() === d.day
    expect(Gates.isCalendarDate(text(d))).toBe(exists)
  })

  test.prop([day, day])("a freeze between two real dates is accepted in order and refused backwards", async (a, b) => {
    fc.pre(Gates.isCalendarDate(text(a)) && Gates.isCalendarDate(text(b)) && text(a) !== text(b))
    const [from, to] = [text(a), text(b)].sort()
    expect(await problem(policy({ freezes: [{ from, to }] }))).toBe("accepted")
    expect(await problem(policy({ freezes: [{ from: to, to: from }] }))).toContain("before it starts")
  })
})

describe("error budget", () => {
  it.each([
    [{ target: 0.999, bad: 0, total: 1_000_000 }, "pass", "leaves 100.0 %"],
    [{ target: 0.999, bad: 500, total: 1_000_000 }, "pass", "leaves 50.0 %"],
    [{ target: 0.999, bad: 1000, total: 1_000_000 }, "block", "leaves 0.0 %"],
    [{ target: 0.999, bad: 900, total: 1_000_000, minRemaining: 0.25 }, "block", "deploys stop at 25.0 %"],
    [{ target: 0.99, bad: 0, total: 0 }, "pass", "leaves 100.0 %"]
  ])("%j → %s", (budget, status, text) => {
    const r = Gates.checkErrorBudget(budget)
    expect(r.status).toBe(status)
    expect(r.reasons[0]).toContain(text)
  })

  test.prop([fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 1, max: 1_000_000 }), fc.integer({ min: 0, max: 10_000 })])(
    "more bad events never turn a block into a pass",
    (bad, total, more) => {
      const b = { target: 0.999, bad: Math.min(bad, total), total }
      const worse = { ...b, bad: Math.min(b.bad + more, total) }
      if (Gates.checkErrorBudget(b).status === "block") expect(Gates.checkErrorBudget(worse).status).toBe("block")
    }
  )
})

describe("approval", () => {
  it("blocks above the threshold until approved", () => {
    expect(Gates.checkApproval({ threshold: 70 }, 71, false).status).toBe("block")
    expect(Gates.checkApproval({ threshold: 70 }, 71, true).status).toBe("pass")
    expect(Gates.checkApproval({ threshold: 70 }, 70, false).status).toBe("pass")
  })
})

describe("OPA answers", () => {
  it.each([
    [{ result: { allow: true, reasons: ["ok by policy"] } }, "pass", "ok by policy"],
    [{ result: { allow: false, reasons: ["deploys need a ticket"] } }, "block", "deploys need a ticket"],
    [{ result: true }, "pass", "allow"],
    [{ result: false }, "block", "deny"],
    [{}, "block", "no decision"],
    [{ result: { reasons: [] } }, "block", 'no boolean "allow"'],
    ["garbage", "block", "no decision"]
  ])("%j → %s", (response, status, text) => {
    const r = Gates.interpretOpa(response, "rollwise/deploy")
    expect(r.status).toBe(status)
    expect(r.reasons.join(" ")).toContain(text)
  })

  it("fails closed when unreachable, open only when asked", () => {
    expect(Gates.opaUnreachable({ url: "http://x", path: "a" }, "refused").status).toBe("block")
    expect(Gates.opaUnreachable({ url: "http://x", path: "a", failOpen: true }, "refused").status).toBe("pass")
  })

  it("combine blocks when any gate blocks", () => {
    const pass = Gates.checkApproval({ threshold: 70 }, 10, false)
    const block = Gates.checkApproval({ threshold: 70 }, 90, false)
    expect(Gates.combine([pass, pass]).status).toBe("pass")
    expect(Gates.combine([pass, block]).status).toBe("block")
    expect(Gates.combine([]).status).toBe("pass")
  })
})

describe("Gates.needsApproval and Gates.reasonsOf", () => {
  it("approval is needed strictly above the threshold, never without an approval gate", () => {
    expect(Gates.needsApproval({ threshold: 70 }, 70)).toBe(false)
    expect(Gates.needsApproval({ threshold: 70 }, 70.1)).toBe(true)
    expect(Gates.needsApproval(undefined, 99)).toBe(false)
  })
  it("a passing outcome gives every gate's reasons; a blocking one only the blockers'", () => {
    const pass = { gate: "error-budget", status: "pass", reasons: ["67 % left"] } as const
    const block = { gate: "change-window", status: "block", reasons: ["weekend"] } as const
    expect(Gates.reasonsOf(Gates.combine([pass]))).toEqual(["67 % left"])
    expect(Gates.reasonsOf(Gates.combine([pass, block]))).toEqual(["weekend"])
  })
})
