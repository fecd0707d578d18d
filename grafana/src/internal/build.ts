/**
 * The few shapes every Rollwise dashboard is made of, over the Grafana
 * Foundation SDK's builders: Prometheus queries through the `datasource`
 * variable, time series, stats, text and rows at explicit grid positions,
 * and the template variables every dashboard has.
 */
import type * as cog from "@grafana/grafana-foundation-sdk/cog"
import {
  type DataSourceRef,
  GraphDrawStyle,
  GraphThresholdsStyleConfigBuilder,
  GraphThresholdsStyleMode,
  LegendDisplayMode,
  LegendPlacement,
  VizLegendOptionsBuilder
} from "@grafana/grafana-foundation-sdk/common"
import {
  AnnotationQueryBuilder,
  type Dashboard,
  DashboardBuilder,
  DashboardLinkBuilder,
  DashboardLinkType,
  DatasourceVariableBuilder,
  type GridPos,
  QueryVariableBuilder,
  RowBuilder,
  TextBoxVariableBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
  VariableSort
} from "@grafana/grafana-foundation-sdk/dashboard"
import { DataqueryBuilder } from "@grafana/grafana-foundation-sdk/prometheus"
import { PanelBuilder as StatBuilder } from "@grafana/grafana-foundation-sdk/stat"
import { PanelBuilder as TextBuilder, TextMode } from "@grafana/grafana-foundation-sdk/text"
import { PanelBuilder as TimeseriesBuilder } from "@grafana/grafana-foundation-sdk/timeseries"

/** Every query goes to the Prometheus the `datasource` variable picks. */
export const datasource: DataSourceRef = { type: "prometheus", uid: "${datasource}" }

/** A query: its PromQL and the legend Grafana draws for each series. */
export interface Query {
  readonly expr: string
  readonly legend?: string
  /** An instant query (stats): the value now, not a range. */
  readonly instant?: boolean
}

/** A panel's size in grid units (24 across): the builder lays panels out left to right, rows start a new line. */
export type Size = readonly [w: number, h: number]

const gridPos = ([w, h]: Size): GridPos => ({ x: 0, y: 0, w, h })

const target = (q: Query, i: number) => {
  const b = new DataqueryBuilder().datasource(datasource).refId(String.fromCharCode(65 + i)).expr(q.expr).legendFormat(q.legend ?? "__auto")
  return q.instant === true ? b.instant() : b.range()
}

/** A threshold step: the colour from `value` up (`null` for the base). */
export interface Step {
  readonly value: number | null
  readonly color: string
}

const thresholds = (steps: ReadonlyArray<Step>) => new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(steps.map((s) => ({ value: s.value, color: s.color })))

/** What a time series or stat panel shows. */
export interface PanelOptions {
  readonly title: string
  readonly description: string
  readonly size: Size
  readonly queries: ReadonlyArray<Query>
  readonly unit?: string
  readonly min?: number
  readonly max?: number
  readonly steps?: ReadonlyArray<Step>
  readonly bars?: boolean
}

/** The panels of a dashboard in order; ids are given by position. */
export type Panel = cog.Builder<unknown> & { id(id: number): unknown }

/** A time series panel; `steps` draw as dashed threshold lines. */
export const timeseries = (o: PanelOptions): TimeseriesBuilder => {
  const b = new TimeseriesBuilder().title(o.title).description(o.description).datasource(datasource).gridPos(gridPos(o.size)).targets(o.queries.map(target))
  if (o.unit !== undefined) b.unit(o.unit)
  if (o.min !== undefined) b.min(o.min)
  if (o.max !== undefined) b.max(o.max)
  if (o.steps !== undefined) b.thresholds(thresholds(o.steps)).thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed))
  if (o.bars === true) b.drawStyle(GraphDrawStyle.Bars).fillOpacity(80)
  else b.fillOpacity(10)
  return b.legend(new VizLegendOptionsBuilder().displayMode(LegendDisplayMode.List).placement(LegendPlacement.Bottom).showLegend(true).calcs([]))
}

/** A stat panel: the last value of each query, coloured by `steps`. */
export const stat = (o: PanelOptions): StatBuilder => {
  const b = new StatBuilder().title(o.title).description(o.description).datasource(datasource).gridPos(gridPos(o.size)).targets(o.queries.map(target))
  if (o.unit !== undefined) b.unit(o.unit)
  if (o.min !== undefined) b.min(o.min)
  if (o.max !== undefined) b.max(o.max)
  if (o.steps !== undefined) b.thresholds(thresholds(o.steps))
  return b
}

/** A Markdown text panel. */
export const text = (o: { readonly title: string; readonly size: Size; readonly markdown: string }): TextBuilder =>
  new TextBuilder().title(o.title).gridPos(gridPos(o.size)).mode(TextMode.Markdown).content(o.markdown)

/** A row header across the full width, below what came before. */
export const row = (title: string): RowBuilder => new RowBuilder(title)

/** An annotation drawn from a Prometheus query: one marker where the expression has a value. */
export interface Annotation {
  readonly name: string
  readonly expr: string
  readonly color: string
  readonly title: string
  readonly tagKeys: string
  readonly text?: string
}

// decisions about the selected service, and those that name none (offline analyses, operator actions)
const judged = `kind=~"analysis|argo|flagger|kayenta|operator", service=~"$service|"`
const decisionsOf = (actions: string) => `sum by (kind, action) (increase(rollwise_decisions_total{${judged}, action=~"${actions}"}[2m])) > 0`

/**
 * Rollwise's decisions as annotations, from its own `rollwise_decisions_total`:
 * red rollback (and Flagger halt, Kayenta Fail), yellow hold (slow, gate
 * block, Kayenta Marginal/Nodata), green promote (pass, proceed, Kayenta Pass).
 * The counter has no service label, so every service's decisions show.
 */
export const decisionAnnotations: ReadonlyArray<Annotation> = [
  { name: "Rollwise: rollback", expr: decisionsOf("rollback.*|.*:halt|Fail"), color: "red", title: "{{kind}} decided {{action}}", tagKeys: "kind,action" },
  { name: "Rollwise: hold", expr: decisionsOf("slow|block|Marginal|Nodata"), color: "yellow", title: "{{kind}} decided {{action}}", tagKeys: "kind,action" },
  { name: "Rollwise: promote", expr: decisionsOf("promote.*|pass|Pass|.*:proceed"), color: "green", title: "{{kind}} decided {{action}}", tagKeys: "kind,action" }
]

/** The judging kinds of `rollwise_decisions_total` (not risk, gate or rollout starts). */
export const judgedKinds = judged

const annotation = (a: Annotation) =>
  new AnnotationQueryBuilder()
    .name(a.name)
    .datasource(datasource)
    .enable(true)
    .iconColor(a.color)
    .expr(a.expr)
    .step("1m")
    .titleFormat(a.title)
    .tagKeys(a.tagKeys)
    .textFormat(a.text ?? "")

/**
 * The variables every dashboard has: `datasource` (a Prometheus),
 * `namespace` (All matches series without the label too), `service` (one
 * value, from `serviceFrom`'s label) and `rollout` (free text: no series
 * carries a rollout label yet, so it names the rollout in titles and links).
 */
export interface Variables {
  /** The series the namespace list is read from (a selector PromQL accepts, `$namespace`-free). */
  readonly namespaceFrom: string
  /** The series and label the service list is read from (the selector may use `$namespace`); absent: a text box. */
  readonly serviceFrom?: { readonly selector: string; readonly label: string }
  /** What `service` means on this dashboard, for its tooltip. */
  readonly serviceMeans: string
  /** More variables after the standard ones. */
  readonly extra?: ReadonlyArray<cog.Builder<unknown>>
}

const variables = (v: Variables): Array<cog.Builder<never>> => {
  const ds = new DatasourceVariableBuilder("datasource").label("Prometheus").type("prometheus")
  const namespace = new QueryVariableBuilder("namespace")
    .label("Namespace")
    .description("Kubernetes namespace of the service's pods; All also matches series without a namespace label (Windows farms, fleets).")
    .datasource(datasource)
    .query({ query: `label_values(${v.namespaceFrom}, namespace)`, refId: "namespace" })
    .definition(`label_values(${v.namespaceFrom}, namespace)`)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(VariableSort.AlphabeticalAsc)
    .includeAll(true)
    .allValue(".*")
    .current({ text: "All", value: "$__all" })
  const from = v.serviceFrom
  const service =
    from === undefined
      ? new TextBoxVariableBuilder("service").label("Service").description(v.serviceMeans).defaultValue("")
      : new QueryVariableBuilder("service")
          .label("Service")
          .description(v.serviceMeans)
          .datasource(datasource)
          .query({ query: `label_values(${from.selector}, ${from.label})`, refId: "service" })
          .definition(`label_values(${from.selector}, ${from.label})`)
          .refresh(VariableRefresh.OnTimeRangeChanged)
          .sort(VariableSort.AlphabeticalAsc)
  const rollout = new TextBoxVariableBuilder("rollout")
    .label("Rollout")
    .description("The Rollwise rollout id (or Argo Rollout name) this view is about: shown in titles and the evidence link; no metric carries it as a label yet.")
    .defaultValue("")
  return [ds, namespace, service, rollout, ...(v.extra ?? [])] as Array<cog.Builder<never>>
}

/** What a dashboard is: identity, variables, annotations and panels in reading order. */
export interface DashboardSpec {
  readonly uid: string
  readonly title: string
  readonly description: string
  readonly tags: ReadonlyArray<string>
  readonly variables: Variables
  readonly annotations?: ReadonlyArray<Annotation>
  readonly panels: ReadonlyArray<TimeseriesBuilder | StatBuilder | TextBuilder | RowBuilder>
  readonly time?: { readonly from: string; readonly to: string }
}

/** Build a dashboard: panel ids follow the panels' order, so the JSON is the same on every run. */
export const dashboard = (spec: DashboardSpec): Dashboard => {
  const b = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(["rollwise", ...spec.tags])
    .editable()
    .timezone("browser")
    .refresh("30s")
    .time(spec.time ?? { from: "now-3h", to: "now" })
    .variables(variables(spec.variables))
    .link(new DashboardLinkBuilder("Rollwise dashboards").type(DashboardLinkType.Dashboards).tags(["rollwise"]).asDropdown(true).includeVars(true).keepTime(true))
  for (const a of spec.annotations ?? []) b.annotation(annotation(a))
  spec.panels.forEach((p, i) => {
    p.id(i + 1)
    if (p instanceof RowBuilder) b.withRow(p)
    else b.withPanel(p)
  })
  return b.build()
}
