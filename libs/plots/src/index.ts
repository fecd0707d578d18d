/**
 * Self-contained SVG charts of candidate against baseline per window, with
 * thresholds and the decision marked.
 *
 * @since 0.1.0
 */
export * as Svg from "./Svg.ts"
export * as VerdictCharts from "./VerdictCharts.ts"
