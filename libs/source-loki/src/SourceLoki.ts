/**
 * MetricSource
 */
export {}
