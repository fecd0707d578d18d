import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { parse } from "yaml"
import { all } from "../src/Dashboards.ts"
import { grafanaRoot } from "../src/Paths.ts"

const read = (path: string) => parse(readFileSync(join(grafanaRoot, "provisioning", path), "utf8")) as Record<string, unknown>

// the keys Grafana's provisioning documentation lists (administration/provisioning: data sources, dashboards)
const datasourceKeys = ["name", "type", "access", "orgId", "uid", "url", "user", "database", "basicAuth", "basicAuthUser", "withCredentials", "isDefault", "jsonData", "secureJsonData", "version", "editable"]
const providerKeys = ["name", "orgId", "folder", "folderUid", "type", "disableDeletion", "updateIntervalSeconds", "allowUiUpdates", "options"]

describe("provisioning files (Grafana's documented format)", () => {
  it("provisions one default Prometheus data source, with documented keys only", () => {
    const file = read("datasources/rollwise.yaml")
    expect(Object.keys(file).sort()).toEqual(["apiVersion", "datasources"])
    expect(file["apiVersion"]).toBe(1)
    const list = file["datasources"] as Array<Record<string, unknown>>
    expect(list).toHaveLength(1)
    const ds = list[0]!
    for (const key of Object.keys(ds)) expect(datasourceKeys, `datasources[0].${key}`).toContain(key)
    expect(ds).toMatchObject({ type: "prometheus", access: "proxy", isDefault: true })
    expect(new URL(String(ds["url"])).protocol).toMatch(/^https?:$/)
    expect(JSON.stringify(ds), "no credentials in a committed file").not.toMatch(/password|secureJsonData|token/i)
  })

  it("provisions the dashboards from files, read-only in the UI, into the Rollwise folder", () => {
    const file = read("dashboards/rollwise.yaml")
    expect(Object.keys(file).sort()).toEqual(["apiVersion", "providers"])
    expect(file["apiVersion"]).toBe(1)
    const providers = file["providers"] as Array<Record<string, unknown>>
    expect(providers).toHaveLength(1)
    const p = providers[0]!
    for (const key of Object.keys(p)) expect(providerKeys, `providers[0].${key}`).toContain(key)
    expect(p).toMatchObject({ type: "file", folder: "Rollwise", allowUiUpdates: false })
    expect(Object.keys(p["options"] as object).sort()).toEqual(["foldersFromFilesStructure", "path"])
    expect(String((p["options"] as { path: string }).path)).toMatch(/^\//)
  })

  it("lets every dashboard pick that data source: a datasource variable of type prometheus", () => {
    for (const g of all()) expect(g.dashboard.templating?.list?.[0]).toMatchObject({ name: "datasource", type: "datasource", query: "prometheus" })
  })
})
