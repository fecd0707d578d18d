import { Miner } from "@rollwise/log-signatures"
import { spawnSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { bin, examples, rollwiseIn, scratch } from "./support.ts"

const rollwise = rollwiseIn()
const { file } = scratch("logs")
const logLines = readFileSync(join(examples, "checkout-log.txt"), "utf8").trimEnd().split("\n")

describe("rollwise logs templates (the bundled CLI)", () => {
  it("prints the templates of examples/checkout-log.txt by count, the summary on stderr", () => {
    const r = rollwise("logs", "templates", "--input", "checkout-log.txt")
    expect(r.code).toBe(0)
    const rows = r.stdout.trimEnd().split("\n")
    expect(rows[0]).toMatch(/^id\s+count\s+share\s+pattern$/)
    expect(rows).toHaveLength(6)
    expect(rows[1]).toMatch(/^0\s+31\s+51\.7 %\s+INFO GET <\*> <\*> in <\*> ms request_id=<\*>$/)
    expect(r.stdout).toContain("WARN cache miss for cart <*> after <*> ms")
    expect(r.stdout).toContain("ERROR java.lang.NullPointerException at <*>")
    expect(r.stderr).toBe("60 lines, 5 templates\n")
  })

  it("--json: one document, the assignments in input order, each template's pattern matching its line", () => {
    const r = rollwise("logs", "templates", "--input", "checkout-log.txt", "--json")
    expect(r.code).toBe(0)
    const doc = JSON.parse(r.stdout) as { templates: Array<{ id: number; pattern: string; count: number }>; assignments: Array<number> }
    expect(Object.keys(doc)).toEqual(["templates", "assignments"])
    expect(doc.assignments).toHaveLength(logLines.length)
    expect(doc.templates.every((t) => Object.keys(t).join() === "id,pattern,count")).toBe(true)
    const byId = new Map(doc.templates.map((t) => [t.id, t]))
    logLines.forEach((line, i) => expect(Miner.matches(byId.get(doc.assignments[i]!)!.pattern, line), line).toBe(true))
    for (const t of doc.templates) expect(t.count).toBe(doc.assignments.filter((a) => a === t.id).length)
  })

  it("reads stdin with --input -, CRLF lines alike, and keeps blank lines as lines", () => {
    const input = "user 17 logged in\r\nuser 4242 logged in\r\n\r\ndisk /dev/sda1 full\r\n"
    const r = spawnSync(process.execPath, [bin, "logs", "templates", "--input", "-", "--json"], { input, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } })
    expect(r.status).toBe(0)
    const doc = JSON.parse(r.stdout) as { templates: Array<{ pattern: string }>; assignments: Array<number> }
    expect(doc.assignments).toHaveLength(4)
    expect(doc.assignments[0]).toBe(doc.assignments[1])
    expect(new Set(doc.assignments).size).toBe(3)
  })

  it("--top shows the most frequent only and says so", () => {
    const r = rollwise("logs", "templates", "--input", "checkout-log.txt", "--top", "2")
    expect(r.code).toBe(0)
    expect(r.stdout.trimEnd().split("\n")).toHaveLength(3)
    expect(r.stderr).toBe("60 lines, 5 templates (the 2 most frequent shown)\n")
  })

  it("an empty file has no templates", () => {
    const r = rollwise("logs", "templates", "--input", file("empty.log", ""), "--json")
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toEqual({ templates: [], assignments: [] })
  })

  it.each([
    [["--input", "missing.log"], /^rollwise: missing\.log: no such file\n$/],
    [["--input", "checkout-log.txt", "--top", "0"], /^rollwise: --top: 0 is out of range: give 1 or more\n$/]
  ])("%j exits 3 with one line", (args, message) => {
    const r = rollwise("logs", "templates", ...args)
    expect(r.code).toBe(3)
    expect(r.stderr).toMatch(message)
    expect(r.stdout).toBe("")
  })
})
