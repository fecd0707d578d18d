import { describe, expect, it } from "vitest"
import { RiskPolicy } from "../src/index.ts"
import { fails, ok } from "./helpers.ts"

describe("RiskPolicy.decode", () => {
  it("gives the default policy for an absent or empty file", () => {
    expect(ok(RiskPolicy.decode(undefined))).toEqual(RiskPolicy.defaultPolicy)
    expect(ok(RiskPolicy.decode(null))).toEqual(RiskPolicy.defaultPolicy)
    expect(ok(RiskPolicy.decode({}))).toEqual(RiskPolicy.defaultPolicy)
  })

  it("default weights add up to 100 points at their caps", () => {
    const total = Object.values(RiskPolicy.defaultPolicy.weights).reduce((a, w) => a + w.weight, 0)
    expect(total).toBe(100)
  })

  it("refuses a weight so large that the points would overflow, naming the field", () => {
    const error = fails(RiskPolicy.decode({ weights: { linesAdded: { weight: 1e308 } } }))
    expect(error.field).toBe("weights.linesAdded.weight")
    expect(ok(RiskPolicy.decode({ weights: { linesAdded: { weight: 1_000_000 } } })).weights["linesAdded"]?.weight).toBe(1_000_000)
  })

  it("merges a partial policy over the defaults, key by key", () => {
    const policy = ok(
      RiskPolicy.decode({
        thresholds: { approval: 60 },
        weights: { linesAdded: { weight: 20 }, "extra.reviewers": { weight: 4, cap: 5, riskierWhen: "lower" } },
        caution: null
      })
    )
    expect(policy.thresholds).toEqual({ approval: 60, bluegreen: 70, canary: 30 })
    expect(policy.weights["linesAdded"]).toEqual({ weight: 20, transform: "log1p", cap: 2000, floor: 0, riskierWhen: "higher" })
    expect(policy.weights["extra.reviewers"]).toEqual({ weight: 4, transform: "linear", cap: 5, floor: 0, riskierWhen: "lower" })
    expect(policy.weights["filesChanged"]).toEqual(RiskPolicy.defaultPolicy.weights["filesChanged"])
    expect(policy.caution).toEqual(RiskPolicy.defaultPolicy.caution)
  })

  it("replaces lists whole", () => {
    const policy = ok(
      RiskPolicy.decode({
        steps: { canary: { fast: [{ weight: 50, pauseSeconds: 60 }, { weight: 100, pauseSeconds: 0 }] } },
        calendar: { timeZone: "America/New_York", peakHours: [{ days: ["sat", "sun"], from: "10:00", to: "14:00" }] }
      })
    )
    expect(policy.steps.canary.fast).toEqual([{ weight: 50, pauseSeconds: 60 }, { weight: 100, pauseSeconds: 0 }])
    expect(policy.steps.canary.normal).toEqual(RiskPolicy.defaultPolicy.steps.canary.normal)
    expect(policy.calendar.peakHours).toHaveLength(1)
  })

  it.each([
    [{ colour: 1 }, "colour", 'policy: colour: unknown field (not in the schema)'],
    [{ thresholds: { approve: 50 } }, "thresholds.approve", 'policy: thresholds.approve: unknown field (not in the schema)'],
    [
      { weights: { churn: { weight: 1, cap: 1 } } },
      "weights.churn",
      "policy: weights.churn: unknown feature (known: linesAdded, linesDeleted, filesChanged, dependencyBumps, majorBumps, coverageDelta, failureRate, deploys, criticality, currentQps, peakHour or extra.<name>)"
    ],
    [{ weights: { linesAdded: { weight: -1 } } }, "weights.linesAdded.weight", 'policy: weights.linesAdded.weight: expected a value greater than or equal to 0, got -1'],
    [{ weights: { linesAdded: { cap: 0 } } }, "weights.linesAdded.cap", 'policy: weights.linesAdded.cap: expected a value greater than 0, got 0'],
    [{ weights: { "extra.x": { weight: 1 } } }, 'weights["extra.x"].cap', 'policy: weights["extra.x"].cap: required field is missing'],
    [{ weights: { "a b": { weight: 1 } } }, 'weights["a b"]', 'policy: weights["a b"]: unknown feature (known: linesAdded, linesDeleted, filesChanged, dependencyBumps, majorBumps, coverageDelta, failureRate, deploys, criticality, currentQps, peakHour or extra.<name>)'],
    [{ weights: { linesAdded: { transform: "sqrt" } } }, "weights.linesAdded.transform", 'policy: weights.linesAdded.transform: expected "linear" | "log1p", got "sqrt"'],
    [{ thresholds: { approval: 101 } }, "thresholds.approval", 'policy: thresholds.approval: expected a value less than or equal to 100, got 101'],
    [{ thresholds: { canary: 80 } }, "thresholds", 'policy: thresholds: canary (80) must not exceed bluegreen (70)'],
    [{ pace: { normalFrom: 60 } }, "pace", 'policy: pace: normalFrom (60) must not exceed cautiousFrom (50)'],
    [
      { steps: { rolling: { fast: [{ weight: 50, pauseSeconds: 1 }] } } },
      "steps.rolling.fast",
      'policy: steps.rolling.fast: the last step must reach 100'
    ],
    [
      { steps: { rolling: { fast: [{ weight: 50, pauseSeconds: 1 }, { weight: 20, pauseSeconds: 1 }, { weight: 100, pauseSeconds: 0 }] } } },
      "steps.rolling.fast",
      'policy: steps.rolling.fast: steps must not go down (step 2 is below step 1)'
    ],
    [{ steps: { cohorts: { fast: [] } } }, "steps.cohorts.fast", 'policy: steps.cohorts.fast: expected at least one step'],
    [
      { steps: { cohorts: { fast: [{ weight: 100, pauseSeconds: 0 }] } } },
      "steps.cohorts.fast[0].weight",
      'policy: steps.cohorts.fast[0].weight: unknown field (not in the schema)'
    ],
    [
      { calendar: { timeZone: "Mars/Olympus" } },
      "calendar.timeZone",
      'policy: calendar.timeZone: unknown time zone "Mars/Olympus" (use an IANA name such as "Europe/Paris" or "UTC")'
    ],
    [
      { calendar: { peakHours: [{ days: ["mon"], from: "9:00", to: "18:00" }] } },
      "calendar.peakHours[0].from",
      'policy: calendar.peakHours[0].from: expected a time "HH:MM" between 00:00 and 24:00, got "9:00"'
    ],
    [
      { calendar: { peakHours: [{ days: ["mon"], from: "22:00", to: "02:00" }] } },
      "calendar.peakHours[0]",
      'policy: calendar.peakHours[0]: "from" (22:00) must be before "to" (02:00); split a window that crosses midnight in two'
    ],
    [
      { calendar: { peakHours: [{ days: ["monday"], from: "09:00", to: "18:00" }] } },
      "calendar.peakHours[0].days[0]",
      'policy: calendar.peakHours[0].days[0]: expected "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun", got "monday"'
    ],
    [JSON.parse('{"__proto__": {"x": 1}}'), "__proto__", 'policy: __proto__: unknown field (not in the schema)']
  ])("rejects %j naming the field", (input, field, message) => {
    const error = fails(RiskPolicy.decode(input))
    expect(error.reason).toBe("InvalidPolicy")
    expect(error.field).toBe(field)
    expect(error.message).toBe(message)
  })

  it("rejects a policy that is not a mapping", () => {
    expect(fails(RiskPolicy.decode("strict")).message).toBe('policy: expected an object (a YAML mapping), got "strict"')
    expect(fails(RiskPolicy.decode([1])).message).toBe("policy: expected an object (a YAML mapping), got a list")
  })
})
