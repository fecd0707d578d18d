import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { ChangeSet, Heuristic, RiskPolicy } from "../src/index.ts"
import type { Decision } from "../src/index.ts"
import { ok } from "./helpers.ts"

const criticalities = ["low", "medium", "high", "critical"] as const
const strategyRank = { rolling: 0, canary: 1, bluegreen: 2 } as const

const version = fc.tuple(fc.nat(12), fc.nat(20), fc.nat(30)).map(([a, b, c]) => `${a}.${b}.${c}`)
const bump = fc.record({ name: fc.constantFrom("express", "lodash", "spring-core", "requests"), from: version, to: version })

const history = fc.nat(500).chain((deploys) => fc.record({ deploys: fc.constant(deploys), failures: fc.nat(deploys) }))

/** Any valid, decoded ChangeSet. */
const changeSet: fc.Arbitrary<ChangeSet.ChangeSet> = fc
  .record({
    linesAdded: fc.nat(200_000),
    linesDeleted: fc.nat(200_000),
    filesChanged: fc.nat(5_000),
    dependencyBumps: fc.array(bump, { maxLength: 6 }),
    coverageDelta: fc.double({ min: -100, max: 100, noNaN: true }),
    moduleHistory: history,
    criticality: fc.constantFrom(...criticalities),
    currentQps: fc.double({ min: 0, max: 1e6, noNaN: true }),
    deployTime: fc.option(fc.date({ min: new Date("2020-01-01"), max: new Date("2030-01-01"), noInvalidDate: true }), { nil: undefined }),
    extra: fc.dictionary(fc.constantFrom("reviewers", "churn", "age"), fc.double({ min: -1e6, max: 1e6, noNaN: true }))
  })
  .map(({ deployTime, ...rest }) =>
    ok(ChangeSet.decode({ service: "svc", ...rest, ...(deployTime !== undefined ? { deployTime: deployTime.toISOString() } : {}) }))
  )

/**
 * Valid policies that keep the default directions (coverage is riskier when
 * lower, everything else when higher) but vary every weight, cap, transform,
 * floor and threshold, and may weigh extra features.
 */
const policy: fc.Arbitrary<RiskPolicy.RiskPolicy> = fc
  .record({
    weights: fc.dictionary(
      fc.constantFrom(...ChangeSet.featureNames, "extra.reviewers", "extra.churn"),
      fc.record({
        weight: fc.double({ min: 0, max: 60, noNaN: true }),
        transform: fc.constantFrom("linear" as const, "log1p" as const),
        cap: fc.double({ min: 0.01, max: 1e5, noNaN: true }),
        floor: fc.double({ min: -1, max: 0, noNaN: true })
      })
    ),
    thresholds: fc
      .tuple(fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }))
      .map(([approval, a, b]) => ({ approval, canary: Math.min(a, b), bluegreen: Math.max(a, b) })),
    peakHour: fc.boolean()
  })
  .map(({ weights, thresholds, peakHour }) =>
    ok(
      RiskPolicy.decode({
        weights: Object.fromEntries(
          Object.entries(weights).map(([name, w]) => [name, { ...w, riskierWhen: name === "coverageDelta" ? "lower" : "higher" }])
        ),
        thresholds,
        caution: { peakHour }
      })
    )
  )

const target = fc.constantFrom("k8s" as const, "windows" as const, "arm" as const)
const withPolicy = fc.oneof(fc.constant(RiskPolicy.defaultPolicy), policy)

const score = (cs: ChangeSet.ChangeSet, p: RiskPolicy.RiskPolicy, t: Decision.TargetKind) => Heuristic.decide(cs, p, t).risk_score

/** `worse` must never score below `cs`, nor get a gentler strategy. */
const notGentler = (cs: ChangeSet.ChangeSet, worse: ChangeSet.ChangeSet, p: RiskPolicy.RiskPolicy, t: Decision.TargetKind) => {
  const a = Heuristic.decide(cs, p, t)
  const b = Heuristic.decide(worse, p, t)
  expect(b.risk_score).toBeGreaterThanOrEqual(a.risk_score)
  expect(strategyRank[b.strategy]).toBeGreaterThanOrEqual(strategyRank[a.strategy])
}

describe("Heuristic.decide properties", () => {
  const params = { numRuns: 300 }

  it("risk is monotone non-decreasing in lines added, lines deleted and files changed", () => {
    fc.assert(
      fc.property(changeSet, withPolicy, target, fc.nat(100_000), fc.nat(100_000), fc.nat(1_000), (cs, p, t, da, dd, df) => {
        notGentler(cs, { ...cs, linesAdded: cs.linesAdded + da }, p, t)
        notGentler(cs, { ...cs, linesDeleted: cs.linesDeleted + dd }, p, t)
        notGentler(cs, { ...cs, filesChanged: cs.filesChanged + df }, p, t)
        notGentler(cs, { ...cs, linesAdded: cs.linesAdded + da, linesDeleted: cs.linesDeleted + dd, filesChanged: cs.filesChanged + df }, p, t)
      }),
      params
    )
  })

  it("risk is monotone non-decreasing in failure history", () => {
    fc.assert(
      fc.property(changeSet, withPolicy, target, fc.nat(50), (cs, p, t, n) => {
        const { deploys, failures } = cs.moduleHistory
        // more of the same deploys failed
        notGentler(cs, { ...cs, moduleHistory: { deploys, failures: Math.min(deploys, failures + n) } }, p, t)
        // n more deploys, all of them failed
        notGentler(cs, { ...cs, moduleHistory: { deploys: deploys + n, failures: failures + n } }, p, t)
      }),
      params
    )
  })

  it("risk is monotone non-decreasing in major dependency bumps", () => {
    fc.assert(
      fc.property(changeSet, withPolicy, target, fc.integer({ min: 1, max: 4 }), (cs, p, t, n) => {
        const majors = Array.from({ length: n }, (_, i) => ({ name: `dep${i}`, from: "1.4.2", to: "2.0.0" }))
        notGentler(cs, { ...cs, dependencyBumps: [...cs.dependencyBumps, ...majors] }, p, t)
        // a minor bump turning into a major one
        const minor = { name: "core", from: "3.1.0", to: "3.2.0" }
        notGentler(
          { ...cs, dependencyBumps: [...cs.dependencyBumps, minor] },
          { ...cs, dependencyBumps: [...cs.dependencyBumps, { ...minor, to: "4.0.0" }] },
          p,
          t
        )
      }),
      params
    )
  })

  it("risk is monotone non-decreasing in criticality", () => {
    fc.assert(
      fc.property(changeSet, withPolicy, target, (cs, p, t) => {
        const scores = criticalities.map((criticality) => score({ ...cs, criticality }, p, t))
        for (let i = 1; i < scores.length; i++) expect(scores[i]).toBeGreaterThanOrEqual(scores[i - 1]!)
      }),
      params
    )
  })

  it("risk is monotone non-increasing in coverage delta", () => {
    fc.assert(
      fc.property(changeSet, withPolicy, target, fc.double({ min: 0, max: 200, noNaN: true }), (cs, p, t, gain) => {
        const better = { ...cs, coverageDelta: Math.min(100, cs.coverageDelta + gain) }
        expect(score(better, p, t)).toBeLessThanOrEqual(score(cs, p, t))
      }),
      params
    )
  })

  it("the score is always within 0–100 and the decision is deterministic", () => {
    fc.assert(
      fc.property(changeSet, withPolicy, target, (cs, p, t) => {
        const d = Heuristic.decide(cs, p, t)
        expect(d.risk_score).toBeGreaterThanOrEqual(0)
        expect(d.risk_score).toBeLessThanOrEqual(100)
        expect(Heuristic.decide(structuredClone(cs), structuredClone(p), t)).toEqual(d)
      }),
      params
    )
  })

  it("approval_required is true exactly when the score exceeds the approval threshold", () => {
    fc.assert(
      fc.property(changeSet, withPolicy, target, (cs, p, t) => {
        const d = Heuristic.decide(cs, p, t)
        expect(d.approval_required).toBe(d.risk_score > p.thresholds.approval)
      }),
      params
    )
  })

  it("ARM targets never get blue/green, and always step through device cohorts", () => {
    fc.assert(
      fc.property(changeSet, withPolicy, (cs, p) => {
        const d = Heuristic.decide(cs, p, "arm")
        expect(d.strategy).not.toBe("bluegreen")
        expect(d.steps.every((s) => "cohort" in s)).toBe(true)
        if (d.risk_score > p.thresholds.bluegreen) {
          expect(d.pace).toBe("cautious")
          expect(d.reasons.some((r) => r.feature.startsWith("policy: arm targets never use blue/green"))).toBe(true)
        }
      }),
      params
    )
  })

  it("reports every weighted feature, sorted by |contribution|, adding up to the unclamped score", () => {
    fc.assert(
      fc.property(changeSet, withPolicy, target, (cs, p, t) => {
        const d = Heuristic.decide(cs, p, t)
        const features = d.reasons.filter((r) => !r.feature.startsWith("policy: "))
        const weighted = Object.entries(p.weights).filter(([, w]) => w.weight > 0).map(([name]) => name)
        expect(features.map((r) => r.feature).sort()).toEqual([...weighted].sort())
        for (let i = 1; i < features.length; i++) {
          expect(Math.abs(features[i]!.contribution)).toBeLessThanOrEqual(Math.abs(features[i - 1]!.contribution))
        }
        const sum = features.reduce((a, r) => a + r.contribution, 0)
        const clamped = Math.min(100, Math.max(0, sum))
        // contributions are rounded to 0.01 each, the score to 0.1
        expect(Math.abs(clamped - d.risk_score)).toBeLessThanOrEqual(0.05 + 0.005 * features.length + 1e-9)
      }),
      params
    )
  })
})

describe("Heuristic.decide examples (default policy)", () => {
  const base = { service: "checkout", linesAdded: 50, linesDeleted: 10, filesChanged: 3, currentQps: 100 }

  it.each([
    // 15·ln51/ln2001 + 5·ln11/ln2001 + 10·ln4/ln101 + 12/3 + 5·ln101/ln10001 = 7.76 + 1.58 + 3.00 + 4 + 2.51
    ["a small off-peak change", {}, "k8s", 18.8, "rolling", "normal"],
    [
      "a big change to a high-criticality module with failures, at peak, with a coverage drop and a major bump",
      {
        linesAdded: 1500,
        linesDeleted: 300,
        filesChanged: 40,
        dependencyBumps: [{ name: "spring-core", from: "5.3.20", to: "6.0.0" }],
        coverageDelta: -3,
        moduleHistory: { deploys: 10, failures: 2 },
        criticality: "high",
        deployTime: "2025-03-12T10:00:00Z"
      },
      "k8s",
      63,
      "canary",
      "cautious"
    ],
    [
      "a huge change to a critical, failure-prone module",
      {
        linesAdded: 5000,
        linesDeleted: 3000,
        filesChanged: 200,
        coverageDelta: -6,
        moduleHistory: { deploys: 10, failures: 5 },
        criticality: "critical",
        currentQps: 1000,
        deployTime: "2025-03-12T10:00:00+01:00"
      },
      "windows",
      // capped: 15 + 5 + 10 + coverage 10 + failures 20 + critical 12 + peak 8; qps 5·ln(1001)/ln(10001) = 3.75
      83.8,
      "bluegreen",
      "cautious"
    ],
    ["a one-line fix with better coverage", { linesAdded: 1, linesDeleted: 1, filesChanged: 1, coverageDelta: 2, criticality: "low", currentQps: 0 },
      "k8s",
      // (15 + 5)·ln2/ln2001 + 10·ln2/ln101 = 3.33 points, minus 10·(2/5) = 4 for the coverage gain: clamped to 0
      0,
      "rolling",
      "fast"
    ]
  ] as const)("%s", (_, change, target, riskScore, strategy, pace) => {
    const d = Heuristic.decide(ok(ChangeSet.decode({ ...base, ...change })), RiskPolicy.defaultPolicy, target)
    expect([d.risk_score, d.strategy, d.pace]).toEqual([riskScore, strategy, pace])
  })
})
