import { describe, expect, it } from "vitest"
import { rollwiseIn } from "../support.ts"

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
