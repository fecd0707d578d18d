/**
 * Rollwise's Grafana dashboards, built by code: each one's file name (in
 * grafana/dashboards/ and the chart's dashboards/) and its JSON model.
 */
import type { Dashboard } from "@grafana/grafana-foundation-sdk/dashboard"
import * as ArmCohorts from "./ArmCohorts.ts"
import * as ReleaseCompare from "./ReleaseCompare.ts"
import * as Slos from "./Slos.ts"
import * as WindowsIis from "./WindowsIis.ts"

/** A dashboard and the file it is written to. */
export interface Generated {
  /** `<name>.json` in grafana/dashboards/, and the preview `<name>.png`. */
  readonly name: string
  readonly dashboard: Dashboard
}

/** Every dashboard, built fresh. */
export const all = (): Array<Generated> => [
  { name: "release-compare", dashboard: ReleaseCompare.build() },
  { name: "slos", dashboard: Slos.build() },
  { name: "windows-iis", dashboard: WindowsIis.build() },
  { name: "arm-cohorts", dashboard: ArmCohorts.build() }
]

/** The file text of a dashboard: two-space JSON and a final newline, as committed. */
export const render = (d: Dashboard): string => `${JSON.stringify(d, null, 2)}\n`
