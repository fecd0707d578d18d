import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"
import { secretLeaks } from "./support/Checks.ts"
import { cleanup, type K8sObject, lint, ofKind, repoRoot, rollwiseChart, template, templateRaw } from "./support/Helm.ts"
import { validateObject } from "./support/Schemas.ts"

afterAll(cleanup)

/**
 * grafana.dashboards.enabled: the dashboards generated in grafana/ shipped as
 * ConfigMaps for the Grafana sidecar, rendered by the real helm. The chart
 * reads its own copy (charts/rollwise/dashboards/: Helm's .Files reach no
 * further than the chart), which must equal grafana/dashboards/.
 */
const release = { release: "rollwise", namespace: "rollwise" } as const
const source = join(repoRoot, "grafana", "dashboards")
const copy = join(rollwiseChart, "dashboards")
const jsonFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith(".json")).sort()

type ConfigMap = K8sObject & { metadata: { name: string; namespace: string; labels: Record<string, string>; annotations?: Record<string, string> }; data: Record<string, string> }
const dashboardMaps = (objects: ReadonlyArray<K8sObject>) => ofKind<ConfigMap>(objects, "v1", "ConfigMap").filter((c) => c.metadata.name.includes("-dashboard-"))
const enabled = { "grafana.dashboards.enabled": true }

describe("rollwise chart: Grafana dashboards for the sidecar", () => {
  it("keeps charts/rollwise/dashboards/ identical to grafana/dashboards/ (run `npx nx run grafana:generate` when this fails)", () => {
    expect(jsonFiles(copy)).toEqual(jsonFiles(source))
    expect(jsonFiles(source).length).toBe(4)
    for (const f of jsonFiles(source)) {
      expect(readFileSync(join(copy, f), "utf8") === readFileSync(join(source, f), "utf8"), `charts/rollwise/dashboards/${f} differs from grafana/dashboards/${f}: run \`npx nx run grafana:generate\``).toBe(true)
    }
  })

  it("renders no dashboard ConfigMap by default", () => {
    expect(dashboardMaps(template(rollwiseChart, release).objects)).toEqual([])
  })

  it("renders one valid ConfigMap per dashboard, labelled grafana_dashboard: \"1\", holding the file byte for byte", () => {
    const objects = template(rollwiseChart, { ...release, setJson: enabled }).objects
    const maps = dashboardMaps(objects)
    expect(maps.map((m) => m.metadata.name).sort()).toEqual(jsonFiles(source).map((f) => `rollwise-dashboard-${f.replace(/\.json$/, "")}`).sort())
    for (const m of maps) {
      expect(validateObject(m)).toBeDefined()
      expect(m.metadata.namespace).toBe("rollwise")
      expect(m.metadata.labels).toMatchObject({ grafana_dashboard: "1", "app.kubernetes.io/name": "rollwise" })
      const [key, ...more] = Object.keys(m.data)
      expect(more).toEqual([])
      const file = readFileSync(join(source, key!), "utf8")
      expect(m.data[key!] === file.replace(/\n$/, ""), `${key} in ConfigMap ${m.metadata.name} is not the file`).toBe(true)
      const dashboard = JSON.parse(m.data[key!]!) as { uid: string; title: string }
      expect(dashboard.uid).toMatch(/^rollwise-/)
      // a ConfigMap holds at most 1 MiB
      expect(Buffer.byteLength(m.data[key!]!)).toBeLessThan(1024 * 1024)
    }
    expect(maps.map((m) => (JSON.parse(Object.values(m.data)[0]!) as { uid: string }).uid).sort()).toEqual([
      "rollwise-arm-cohorts",
      "rollwise-release-compare",
      "rollwise-slos",
      "rollwise-windows-iis"
    ])
    expect(secretLeaks(objects)).toEqual([])
  })

  it("puts the ConfigMaps in the namespace the sidecar watches, with its labels and folder annotation", () => {
    const objects = template(rollwiseChart, {
      ...release,
      set: { "grafana.dashboards.namespace": "monitoring" },
      setJson: { ...enabled, "grafana.dashboards.labels": { team: "sre" }, "grafana.dashboards.annotations": { grafana_folder: "Rollwise" } }
    }).objects
    const maps = dashboardMaps(objects)
    expect(maps).toHaveLength(4)
    for (const m of maps) {
      expect(m.metadata.namespace).toBe("monitoring")
      // Helm merges a given map into the default: the sidecar's label stays unless set to null
      expect(m.metadata.labels).toMatchObject({ grafana_dashboard: "1", team: "sre" })
      expect(m.metadata.annotations).toEqual({ grafana_folder: "Rollwise" })
    }
    // a sidecar that selects another label: null drops the default one
    const other = template(rollwiseChart, { ...release, setJson: { ...enabled, "grafana.dashboards.labels": { grafana_dashboard: null, dashboards: "rollwise" } } }).objects
    for (const m of dashboardMaps(other)) {
      expect(m.metadata.labels["dashboards"]).toBe("rollwise")
      expect(m.metadata.labels["grafana_dashboard"]).toBeUndefined()
    }
    expect(dashboardMaps(other)).toHaveLength(4)
  })

  it("passes helm lint --strict with the dashboards on", () => {
    const result = lint(rollwiseChart, { setJson: enabled })
    expect(result.status, result.stdout + result.stderr).toBe(0)
  })

  it("refuses a misspelt key or a bad namespace under grafana.dashboards, naming it", () => {
    const typo = templateRaw(rollwiseChart, { ...release, setJson: { "grafana.dashboards.enable": true } })
    expect(typo.status).not.toBe(0)
    expect(typo.stderr).toContain("Additional property enable is not allowed")
    const namespace = templateRaw(rollwiseChart, { ...release, setJson: { ...enabled, "grafana.dashboards.namespace": "Monitoring!" } })
    expect(namespace.status).not.toBe(0)
    expect(namespace.stderr).toContain("grafana.dashboards.namespace")
  })
})
