import { describe, expect, it } from "vitest"
import { Effect } from "effect"
import { fc, test } from "@fast-check/vitest"
import { plainField } from "../../src/internal/Io.ts"
import { rollwiseIn, scratch } from "../support.ts"

/**
 * Issue #16, item 8: flag values rollwise cannot use are refused before any
 * work, in one line on stderr naming the flag, with the documented exit code
 * (docs/cli.md): 2 for a missing flag, 3 for a value out of range.
 */
const rollwise = rollwiseIn()
const live = ["analyze", "--slo", "slo-live.yaml"] as const

/** One line on stderr, `rollwise: …`, and nothing on stdout. */
const oneLine = (r: { stdout: string; stderr: string }) => {
  expect(r.stdout).toBe("")
  const lines = r.stderr.trimEnd().split("\n")
  expect(lines).toHaveLength(1)
  return lines[0]!
}

describe("analyze refuses flag values it cannot use (bundled CLI)", () => {
  it("a missing required flag is one line on stderr, exit 2 — no help on stdout, even with --json", () => {
    for (const args of [["analyze", "--json"], ["analyze"]]) {
      const r = rollwise(...args)
      expect(r.code).toBe(2)
      expect(oneLine(r)).toBe("rollwise: Missing required flag: --slo")
    }
  })

  it("--help still prints the help on stdout, exit 0", () => {
    const r = rollwise("analyze", "--help")
    expect(r.code).toBe(0)
    expect(r.stdout).toContain("USAGE")
    expect(r.stdout).toContain("--slo")
    expect(r.stderr).toBe("")
  })

  it("--windows beyond its range is a range error naming the flag (exit 3), not an internal error", () => {
    for (const n of ["99999999999", "1001", "0", "-3"]) {
      const r = rollwise(...live, "--prometheus", "http://127.0.0.1:9", "--windows", n)
      expect(r.code).toBe(3)
      expect(oneLine(r)).toBe(`rollwise: --windows: ${n} is out of range: give a whole number of windows from 1 to 1000`)
    }
  })

  it("--timeout must be a positive number of seconds up to an hour (exit 3)", () => {
    for (const t of ["-1", "0", "3601"]) {
      const r = rollwise(...live, "--prometheus", "http://127.0.0.1:9", "--timeout", t)
      expect(r.code).toBe(3)
      expect(oneLine(r)).toBe(`rollwise: --timeout: ${t} is out of range: give the seconds to wait for each query, more than 0 and at most 3600`)
    }
  })

  it("--prometheus that is not an http(s) URL is refused (exit 3)", () => {
    for (const [url, why] of [
      ["not a url", "not a URL (http://host:9090)"],
      ["ftp://prometheus:21", "expected an http or https URL, got ftp:"]
    ] as const) {
      const r = rollwise(...live, "--prometheus", url)
      expect(r.code).toBe(3)
      expect(oneLine(r)).toBe(`rollwise: --prometheus: ${why}`)
    }
  })
})

describe("analyze refuses a spec that cannot decide (bundled CLI)", () => {
  it("every metric weighing 0 is refused at decode, one line naming the field (exit 3), never PROMOTE (score 0)", () => {
    const tmp = scratch("flags")
    const slo = tmp.file(
      "slo-weightless.yaml",
      `apiVersion: rollwise/v1
kind: SloSpec
service: checkout
window: 2m
metrics:
  - { name: latency, kind: continuous, threshold: 0.3, weight: 0 }
  - { name: error-rate, kind: ratio, threshold: 0.01, weight: 0 }
`
    )
    const r = rollwise("analyze", "--slo", slo, "--observations", "observations-healthy.ndjson")
    expect(r.code).toBe(3)
    expect(oneLine(r)).toMatch(/^rollwise: .*slo-weightless\.yaml.*metrics.*every metric has weight 0/)
  })
})

describe("plainField: the check the CLI applies to --by and --reason", () => {
  const check = (value: string, max = 200) => Effect.runSync(Effect.result(plainField("--by", value, max)))

  it("refuses control characters, escape sequences and line breaks, naming the flag", () => {
    for (const value of ["alice\n#99 PROMOTED", "\u001b[2Jalice", "bob\u009b31m", "tab\there", "rtl\u202eevil", ""]) {
      const r = check(value)
      expect(r._tag).toBe("Failure")
      if (r._tag === "Failure") expect(r.failure.message).toMatch(/^--by: /)
    }
  })

  it("refuses more than the limit", () => {
    expect(check("x".repeat(201))._tag).toBe("Failure")
    expect(check("x".repeat(200))._tag).toBe("Success")
  })

  test.prop([fc.string({ unit: fc.constantFrom(..."abcXYZ019 .,:;'-_@éüß€🔥—") , minLength: 1, maxLength: 200 })])("keeps every printable one-line value as it is", (value) => {
    const r = check(value)
    expect(r._tag === "Success" && r.success).toBe(value)
  })
})
