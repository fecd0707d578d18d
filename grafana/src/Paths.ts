/** Where the generated files live, from this file's place in the repository. */
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

/** grafana/ */
export const grafanaRoot = join(dirname(fileURLToPath(import.meta.url)), "..")
/** The repository root. */
export const repoRoot = join(grafanaRoot, "..")
/** grafana/dashboards/: the committed dashboard JSON. */
export const dashboardsDir = join(grafanaRoot, "dashboards")
/** grafana/previews/: the committed layout pictures. */
export const previewsDir = join(grafanaRoot, "previews")
/** charts/rollwise/dashboards/: the copy the chart ships as ConfigMaps. */
export const chartDashboards = join(repoRoot, "charts", "rollwise", "dashboards")
/** prometheus/rules/: the recording rules dashboards may query. */
export const rulesDir = join(repoRoot, "prometheus", "rules")
