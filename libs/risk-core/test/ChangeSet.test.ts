import { describe, expect, it } from "vitest"
import { Calendar, ChangeSet } from "../src/index.ts"
import { fails, ok } from "./helpers.ts"

const minimal = { service: "checkout", linesAdded: 120, linesDeleted: 30, filesChanged: 4 }

describe("ChangeSet.decode", () => {
  it("fills the documented defaults", () => {
    expect(ok(ChangeSet.decode(minimal))).toEqual({
      schemaVersion: 1,
      service: "checkout",
      module: ".",
      linesAdded: 120,
      linesDeleted: 30,
      filesChanged: 4,
      dependencyBumps: [],
      coverageDelta: 0,
      moduleHistory: { deploys: 0, failures: 0 },
      criticality: "medium",
      currentQps: 0,
      extra: {}
    })
  })

  it("accepts the document `rollwise changes` writes", () => {
    const cs = ok(
      ChangeSet.decode({
        schemaVersion: 1,
        service: "checkout",
        module: "api",
        linesAdded: 10,
        linesDeleted: 2,
        filesChanged: 1,
        dependencyBumps: [{ name: "express", from: "4.18.2", to: "5.0.0" }],
        coverageDelta: -1.5,
        moduleHistory: { deploys: 20, failures: 1 },
        criticality: "high",
        currentQps: 350.5,
        deployTime: "2025-03-14T09:30:00.123Z",
        extra: { reviewers: 2 }
      })
    )
    expect(cs.module).toBe("api")
    expect(cs.extra).toEqual({ reviewers: 2 })
  })

  it.each([
    [{ ...minimal, colour: "red" }, "colour", 'changeset: colour: unknown field (not in the schema)'],
    [{ ...minimal, moduleHistory: { deploys: 1, failures: 0, x: 1 } }, "moduleHistory.x", 'changeset: moduleHistory.x: unknown field (not in the schema)'],
    [
      { ...minimal, dependencyBumps: [{ name: "a", from: "1", to: "2", kind: "major" }] },
      "dependencyBumps[0].kind",
      'changeset: dependencyBumps[0].kind: unknown field (not in the schema)'
    ],
    [{ linesAdded: 1, linesDeleted: 1, filesChanged: 1 }, "service", 'changeset: service: required field is missing'],
    [{ ...minimal, linesAdded: -1 }, "linesAdded", 'changeset: linesAdded: expected a value greater than or equal to 0, got -1'],
    [{ ...minimal, filesChanged: 1.5 }, "filesChanged", 'changeset: filesChanged: expected an integer, got 1.5'],
    [{ ...minimal, linesDeleted: Number.NaN }, "linesDeleted", 'changeset: linesDeleted: expected an integer, got NaN'],
    [{ ...minimal, currentQps: Number.POSITIVE_INFINITY }, "currentQps", 'changeset: currentQps: expected a finite number, got Infinity'],
    [{ ...minimal, currentQps: -3 }, "currentQps", 'changeset: currentQps: expected a value greater than or equal to 0, got -3'],
    [{ ...minimal, coverageDelta: 140 }, "coverageDelta", 'changeset: coverageDelta: expected a value less than or equal to 100, got 140'],
    [{ ...minimal, linesAdded: "12" }, "linesAdded", 'changeset: linesAdded: expected number, got "12"'],
    [
      { ...minimal, moduleHistory: { deploys: 2, failures: 3 } },
      "moduleHistory",
      'changeset: moduleHistory: failures (3) cannot exceed deploys (2)'
    ],
    [{ ...minimal, criticality: "urgent" }, "criticality", 'changeset: criticality: expected "low" | "medium" | "high" | "critical", got "urgent"'],
    [
      { ...minimal, deployTime: "2025-03-14 09:30" },
      "deployTime",
      'changeset: deployTime: expected an ISO 8601 date-time with a zone such as "2025-03-14T09:30:00Z", got "2025-03-14 09:30"'
    ],
    [
      { ...minimal, deployTime: "2025-02-30T09:30:00Z" },
      "deployTime",
      'changeset: deployTime: expected an ISO 8601 date-time with a zone such as "2025-03-14T09:30:00Z", got "2025-02-30T09:30:00Z"'
    ],
    [{ ...minimal, extra: { churn: Number.NaN } }, "extra.churn", 'changeset: extra.churn: expected a finite number, got NaN'],
    [{ ...minimal, schemaVersion: 2 }, "schemaVersion", 'changeset: schemaVersion: expected 1, got 2']
  ])("rejects %j naming the field", (input, field, message) => {
    const error = fails(ChangeSet.decode(input))
    expect(error._tag).toBe("RiskInputError")
    expect(error.reason).toBe("InvalidChangeSet")
    expect(error.field).toBe(field)
    expect(error.message).toBe(message)
  })

  it("rejects a document that is not an object", () => {
    expect(fails(ChangeSet.decode([1, 2])).message).toBe("changeset: expected object, got [1,2]")
    expect(fails(ChangeSet.decode(null)).message).toBe("changeset: expected object, got null")
  })
})

describe("ChangeSet.bumpKind", () => {
  it.each([
    ["1.2.3", "2.0.0", "major"],
    ["^4.18.2", "^5.0.0", "major"],
    ["v1.2.3", "v1.3.0", "minor"],
    ["1.2.3", "1.2.4", "patch"],
    ["0.3.1", "0.4.0", "major"],
    ["0.3.1", "0.3.2", "patch"],
    ["5.3.20", "5.3.21.RELEASE", "patch"],
    ["==2.31.0", "==2.32.3", "minor"],
    ["2.0.0", "1.9.0", "major"],
    ["1.0.0-beta.1", "1.0.0", "patch"],
    ["8", "9", "major"],
    ["latest", "1.0.0", "unknown"],
    ["a1b2c3d", "e4f5a6b", "unknown"]
  ] as const)("%s → %s is %s", (from, to, kind) => {
    expect(ChangeSet.bumpKind(from, to)).toBe(kind)
  })
})

describe("ChangeSet.features", () => {
  it("derives the model's numeric features", () => {
    const cs = ok(
      ChangeSet.decode({
        ...minimal,
        dependencyBumps: [
          { name: "a", from: "1.0.0", to: "2.0.0" },
          { name: "b", from: "1.0.0", to: "1.1.0" },
          { name: "c", from: "latest", to: "next" }
        ],
        coverageDelta: -2.5,
        moduleHistory: { deploys: 8, failures: 2 },
        criticality: "critical",
        currentQps: 42,
        deployTime: "2025-03-14T10:00:00Z",
        extra: { reviewers: 3 }
      })
    )
    expect(ChangeSet.features(cs, Calendar.defaultCalendar)).toEqual({
      linesAdded: 120,
      linesDeleted: 30,
      filesChanged: 4,
      dependencyBumps: 3,
      majorBumps: 1,
      coverageDelta: -2.5,
      failureRate: 0.25,
      deploys: 8,
      criticality: 3,
      currentQps: 42,
      peakHour: 1,
      "extra.reviewers": 3
    })
  })

  it("has no failure rate without history and no peak hour without a deploy time", () => {
    const f = ChangeSet.features(ok(ChangeSet.decode(minimal)), Calendar.defaultCalendar)
    expect(f["failureRate"]).toBe(0)
    expect(f["peakHour"]).toBe(0)
  })
})
