import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { EvidenceArtifactory } from "@rollwise/evidence-artifactory"
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard"
import { describe, expect, it } from "vitest"
import { all, render } from "../src/Dashboards.ts"
import { chartDashboards, dashboardsDir } from "../src/Paths.ts"
import * as ReleaseCompare from "../src/ReleaseCompare.ts"

const generated = all()
const regenerate = "run `npx nx run grafana:generate` and commit grafana/dashboards, grafana/previews and charts/rollwise/dashboards"
const jsonFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".json")).sort()

interface PanelJson {
  readonly id?: number
  readonly type: string
  readonly title?: string
  readonly datasource?: { readonly type?: string; readonly uid?: string }
  readonly gridPos: { readonly x: number; readonly y: number; readonly w: number; readonly h: number }
  readonly targets?: ReadonlyArray<{ readonly datasource?: { readonly uid?: string }; readonly expr?: string }>
}
const panelsOf = (d: Dashboard) => (d.panels ?? []) as unknown as ReadonlyArray<PanelJson>
const variableNames = (d: Dashboard) => (d.templating?.list ?? []).map((v) => v.name)

describe("dashboards: generated JSON is committed", () => {
  it.each(generated.map((g) => [g.name, g] as const))("grafana/dashboards/%s.json is what the code builds", (name, g) => {
    const committed = readFileSync(join(dashboardsDir, `${name}.json`), "utf8")
    // one line, not a diff of 25 kB: what to do about it
    expect(committed === render(g.dashboard), `grafana/dashboards/${name}.json differs from what src/ builds: ${regenerate}`).toBe(true)
  })

  it("grafana/dashboards holds exactly the generated dashboards, and charts/rollwise/dashboards the same bytes", () => {
    const names = generated.map((g) => `${g.name}.json`).sort()
    expect(jsonFiles(dashboardsDir), regenerate).toEqual(names)
    expect(jsonFiles(chartDashboards), `the chart's copies: ${regenerate}`).toEqual(names)
    for (const f of names) {
      expect(readFileSync(join(chartDashboards, f), "utf8") === readFileSync(join(dashboardsDir, f), "utf8"), `charts/rollwise/dashboards/${f} differs from grafana/dashboards/${f}: ${regenerate}`).toBe(true)
    }
  })

  it("builds the same JSON twice (no clock, no randomness)", () => {
    expect(all().map((g) => render(g.dashboard))).toEqual(generated.map((g) => render(g.dashboard)))
  })
})

describe("dashboards: shape", () => {
  it("are the four of issue #23, with distinct uids Grafana accepts (at most 40 characters)", () => {
    expect(generated.map((g) => g.dashboard.title)).toEqual(["Release Compare", "SLOs and error budget", "Windows / IIS", "ARM Cohorts"])
    const uids = generated.map((g) => g.dashboard.uid ?? "")
    expect(new Set(uids).size).toBe(uids.length)
    for (const uid of uids) expect(uid).toMatch(/^[a-zA-Z0-9_-]{1,40}$/)
  })

  it.each(generated.map((g) => [g.name, g.dashboard] as const))("%s has the variables datasource, namespace, service and rollout", (_, d) => {
    expect(variableNames(d).slice(0, 4)).toEqual(["datasource", "namespace", "service", "rollout"])
    const datasource = d.templating?.list?.find((v) => v.name === "datasource")
    expect(datasource).toMatchObject({ type: "datasource", query: "prometheus" })
  })

  it.each(generated.map((g) => [g.name, g.dashboard] as const))("%s queries only through the datasource variable, with unique panel ids", (_, d) => {
    const panels = panelsOf(d)
    const ids = panels.map((p) => p.id)
    expect(ids.every((id) => typeof id === "number")).toBe(true)
    expect(new Set(ids).size).toBe(ids.length)
    const queried = panels.filter((p) => (p.targets ?? []).length > 0)
    expect(queried.length).toBeGreaterThan(4)
    for (const p of queried) {
      expect(p.datasource, p.title).toEqual({ type: "prometheus", uid: "${datasource}" })
      for (const t of p.targets ?? []) expect(t.datasource?.uid, p.title).toBe("${datasource}")
    }
    for (const a of d.annotations?.list ?? []) expect(a.datasource?.uid).toBe("${datasource}")
  })

  it.each(generated.map((g) => [g.name, g.dashboard] as const))("%s lays panels inside the 24 columns without overlaps", (_, d) => {
    const boxes = panelsOf(d).map((p) => ({ title: p.title, ...p.gridPos }))
    for (const b of boxes) {
      expect(b.x >= 0 && b.w > 0 && b.x + b.w <= 24 && b.h > 0, `${b.title} ${JSON.stringify(b)}`).toBe(true)
    }
    for (const [i, a] of boxes.entries()) {
      for (const b of boxes.slice(i + 1)) {
        const overlap = a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
        expect(overlap, `${a.title} overlaps ${b.title}`).toBe(false)
      }
    }
  })
})

describe("Release Compare: the dashboard evidence links to", () => {
  it("has the uid, slug and variables of the link a published rollout carries (libs/evidence-artifactory)", () => {
    const url = new URL(
      EvidenceArtifactory.dashboardUrl("https://grafana.example.com", {
        rolloutId: "r-1",
        service: "checkout",
        version: "2.5.0",
        target: "k8s:checkout",
        startedAt: 1_700_000_000_000,
        finishedAt: 1_700_000_600_000,
        result: "promoted"
      })
    )
    const d = generated.find((g) => g.name === "release-compare")!.dashboard
    const slug = (d.title ?? "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "")
    expect(url.pathname).toBe(`/d/${d.uid}/${slug}`)
    expect(d.uid).toBe(ReleaseCompare.uid)
    const vars = [...url.searchParams.keys()].filter((k) => k.startsWith("var-")).map((k) => k.slice(4))
    expect(vars).toEqual(["service", "version"])
    for (const v of vars) expect(variableNames(d), `the link sets var-${v}`).toContain(v)
  })

  it("compares the tracks on request rate, error ratio and p95 latency, and marks Rollwise's decisions from rollwise_decisions_total", () => {
    const d = generated.find((g) => g.name === "release-compare")!.dashboard
    const titles = panelsOf(d).map((p) => p.title)
    expect(titles).toEqual(expect.arrayContaining(["Request rate by track", "Error ratio by track", "p95 latency by track"]))
    for (const title of ["Request rate by track", "Error ratio by track", "p95 latency by track"]) {
      const p = panelsOf(d).find((x) => x.title === title)!
      expect(p.targets![0]!.expr).toContain("by (track")
    }
    const annotations = (d.annotations?.list ?? []).filter((a) => a.expr !== undefined)
    expect(annotations.map((a) => a.iconColor)).toEqual(["red", "yellow", "green"])
    for (const a of annotations) expect(a.expr).toContain("rollwise_decisions_total")
  })
})
