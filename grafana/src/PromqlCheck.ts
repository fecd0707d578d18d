/**
 * The PromQL check: every expression a dashboard sends to Prometheus —
 * panel queries, annotation queries, the selectors of `label_values(…)`
 * variables — is parsed by the real `promtool` and every metric name in it
 * must exist: a recording rule of prometheus/rules/*.yml or a metric of
 * `Metrics.exported()`. A typo fails with the dashboard, the panel and the
 * name.
 *
 * promtool cannot parse a bare expression, so the expressions (with the
 * dashboard variables replaced by sample values) become the recording rules
 * of a temporary rules file that `promtool check rules` parses with
 * Prometheus' own parser.
 */
import { spawnSync } from "node:child_process"
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard"
import { parse, stringify } from "yaml"
import type { Generated } from "./Dashboards.ts"
import { exported } from "./Metrics.ts"

/** One expression and where it sits. */
export interface Expression {
  /** The dashboard's file name (release-compare…). */
  readonly dashboard: string
  /** Where in the dashboard: `panel "Title" query A`, `annotation "Name"`, `variable service`. */
  readonly where: string
  readonly expr: string
}

/** What the check found wrong, one line each. */
export type Problem = string

interface PanelJson {
  readonly title?: string
  readonly targets?: ReadonlyArray<{ readonly refId?: string; readonly expr?: string }>
  readonly panels?: ReadonlyArray<PanelJson>
}

/** Every PromQL expression of a dashboard: panel targets (rows included), annotations, and the selector of each `label_values` variable. */
export const expressions = (name: string, d: Dashboard): Array<Expression> => {
  const out: Array<Expression> = []
  const panels = (list: ReadonlyArray<PanelJson>) => {
    for (const p of list) {
      for (const t of p.targets ?? []) if (typeof t.expr === "string") out.push({ dashboard: name, where: `panel "${p.title ?? ""}" query ${t.refId ?? "?"}`, expr: t.expr })
      panels(p.panels ?? [])
    }
  }
  panels((d.panels ?? []) as ReadonlyArray<PanelJson>)
  for (const a of d.annotations?.list ?? []) {
    if (typeof a.expr === "string" && a.expr !== "") out.push({ dashboard: name, where: `annotation "${a.name}"`, expr: a.expr })
  }
  for (const v of d.templating?.list ?? []) {
    if (v.type !== "query") continue
    const q = typeof v.query === "string" ? v.query : String((v.query as { query?: unknown } | undefined)?.query ?? "")
    const m = /^\s*label_values\((.*),\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)\s*$/.exec(q)
    if (m !== null) out.push({ dashboard: name, where: `variable ${v.name}`, expr: m[1]! })
    else if (!/^\s*label_values\(\s*[a-zA-Z_][a-zA-Z0-9_]*\s*\)\s*$/.test(q)) out.push({ dashboard: name, where: `variable ${v.name}`, expr: q })
  }
  return out
}

/** The sample value each dashboard variable takes for parsing (Grafana's built-ins included). */
export const samples: Readonly<Record<string, string>> = {
  __rate_interval: "1m",
  __interval: "1m",
  __range: "6h",
  datasource: "prometheus",
  namespace: ".*",
  service: "checkout",
  rollout: "rollout-1",
  version: "2.5.0"
}

/** An expression with `$var`, `${var}` and `${var:format}` replaced by their samples; unknown variables are listed, not replaced. */
export const substitute = (expr: string): { readonly expr: string; readonly unknown: ReadonlyArray<string> } => {
  const unknown: Array<string> = []
  const out = expr.replace(/\$\{([a-zA-Z_][a-zA-Z0-9_]*)(?::[a-zA-Z]+)?\}|\$([a-zA-Z_][a-zA-Z0-9_]*)/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = (braced ?? bare)!
    const value = samples[name]
    if (value === undefined) {
      unknown.push(name)
      return whole
    }
    return value
  })
  return { expr: out, unknown }
}

const keywords = new Set(["and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "offset", "bool", "inf", "nan", "atan2"])

/**
 * The metric names an expression selects: identifiers that stand alone or
 * before `{`, and `__name__="…"` matchers — not functions (an identifier
 * before `(`), keywords, label names in matchers or in by/without/on/
 * ignoring/group_x lists, string contents, durations or numbers.
 */
export const metricNames = (expr: string): Array<string> => {
  const named = [...expr.matchAll(/__name__\s*=\s*"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!)
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`/g, '""')
    .replace(/\{[^}]*\}/g, " ")
    .replace(/\[[^\]]*\]/g, " ")
    .replace(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
  const ids = [...bare.matchAll(/(?<![\w.:])([a-zA-Z_:][\w:]*)(?![\w:])(?!\s*\()/g)].map((m) => m[1]!).filter((id) => !keywords.has(id.toLowerCase()))
  return [...new Set([...named, ...ids])]
}

/** The names of the recording rules in every *.yml/*.yaml file of a rules folder. */
export const recordingRules = (dir: string): Set<string> =>
  new Set(
    readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .flatMap((f) => ((parse(readFileSync(join(dir, f), "utf8")) as { groups?: Array<{ rules?: Array<{ record?: string }> }> }).groups ?? []).flatMap((g) => g.rules ?? []))
      .flatMap((r) => (typeof r.record === "string" ? [r.record] : []))
  )

/** How the check runs: where the rules are and which promtool. */
export interface Options {
  /** prometheus/rules (recording rules count as existing metrics). */
  readonly rulesDir: string
  /** The promtool binary (default `promtool` on the PATH). */
  readonly promtool?: string
  /** Names to accept besides the exported metrics and recording rules (to check panels written ahead of their metrics). */
  readonly alsoKnown?: Iterable<string>
}

/**
 * Parse the expressions with `promtool check rules`; the problems name each
 * expression promtool refused, with its error. Throws when promtool cannot
 * run at all (not installed): that is no verdict on the expressions.
 */
export const parseAll = (list: ReadonlyArray<Expression>, promtool = "promtool"): Array<Problem> => {
  if (list.length === 0) return []
  const dir = mkdtempSync(join(tmpdir(), "rollwise-grafana-promql-"))
  try {
    const file = join(dir, "check.rules.yml")
    writeFileSync(file, stringify({ groups: [{ name: "grafana-check", rules: list.map((e, i) => ({ record: `grafana:check_${i}`, expr: e.expr })) }] }))
    const run = spawnSync(promtool, ["check", "rules", file], { encoding: "utf8", timeout: 60_000 })
    if (run.error !== undefined) throw new Error(`promtool could not run (${run.error.message}): install Debian's prometheus package (.ci/run does)`)
    if (run.status === 0) return []
    const problems: Array<Problem> = []
    for (const line of `${run.stdout}\n${run.stderr}`.split("\n")) {
      const m = /"grafana:check_(\d+)": (.*)$/.exec(line)
      if (m === null) continue
      const e = list[Number(m[1])]!
      problems.push(`${e.dashboard}: ${e.where}: promtool: ${m[2]} in: ${e.expr}`)
    }
    if (problems.length === 0) problems.push(`promtool check rules failed: ${(run.stdout + run.stderr).trim()}`)
    return problems
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Every problem of the dashboards' PromQL: unknown variables, what promtool refuses, metric names that do not exist. Empty when all is well. */
export const check = (dashboards: ReadonlyArray<Generated>, options: Options): Array<Problem> => {
  const known = new Set<string>([...exported(), ...recordingRules(options.rulesDir), ...(options.alsoKnown ?? [])])
  const problems: Array<Problem> = []
  const parsed: Array<Expression> = []
  for (const g of dashboards) {
    for (const e of expressions(g.name, g.dashboard)) {
      const s = substitute(e.expr)
      for (const v of s.unknown) problems.push(`${e.dashboard}: ${e.where}: unknown variable $${v} in: ${e.expr}`)
      parsed.push({ ...e, expr: s.expr })
      for (const name of metricNames(s.expr)) {
        if (!known.has(name)) problems.push(`${e.dashboard}: ${e.where}: unknown metric "${name}" (neither exported nor a recording rule) in: ${e.expr}`)
      }
    }
  }
  return [...problems, ...parseAll(parsed, options.promtool)]
}
