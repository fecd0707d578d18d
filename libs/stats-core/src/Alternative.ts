/**
 * The alternative hypothesis of a test of the first sample (x) against the
 * second (y), with SciPy's and R's meaning:
 * - `"two-sided"`: x and y differ;
 * - `"less"`: x tends to be smaller than y;
 * - `"greater"`: x tends to be larger than y.
 */
export type Alternative = "two-sided" | "less" | "greater"

/** The alternative that means the same thing with the samples swapped. */
export const mirror = (alternative: Alternative): Alternative =>
  alternative === "less" ? "greater" : alternative === "greater" ? "less" : "two-sided"
