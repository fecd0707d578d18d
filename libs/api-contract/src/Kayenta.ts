import { Decode } from "@rollwise/input-schema"
import { Cause, Effect, Exit, Schema } from "effect"
import { InputError } from "./ApiError.ts"

/**
 * `POST /judge`: Rollwise as a Kayenta **remote judge**. A Kayenta configured
 * with `kayenta.remoteJudge.endpoint` posts a `RemoteJudgeRequest` — the
 * canary config, the fetched baseline ("control") and canary ("experiment")
 * series of every metric, and the score thresholds — and reads back a
 * `CanaryJudgeResult`. Each metric is judged by Rollwise's own analyzer for
 * one window (`Assess.continuous`); the metric classifications are scored the
 * way Kayenta's NetflixACAJudge scores them, so Spinnaker's canary stage and
 * its report read the answer as they read Kayenta's.
 *
 * Modelled on spinnaker/kayenta (Apache-2.0; read, not copied):
 * - kayenta-judge/…/judge/model/RemoteJudgeRequest.java — {canaryConfig, scoreThresholds, metricSetPairList}, all @NotNull;
 *   RemoteJudge.java builds it and posts it with Kayenta's object mapper.
 * - kayenta-core/…/canary/CanaryConfig.java (name, id, metrics, classifier, judge, templates, timestamps…),
 *   CanaryMetricConfig.java (name, query, groups, analysisConfigurations, scopeName),
 *   CanaryClassifierConfig.java @ 170f237bf92addbc463990e8b5e7aa3fcebbecf8 (groupWeights: "Weights must total 100"),
 *   CanaryClassifierThresholdsConfig.java @ 0f21af01044bf12616a39f1269fa3df238bea38b (pass, marginal: Double, @NotNull).
 * - kayenta-core/…/metrics/MetricSetPair.java (name, id, tags, values{control, experiment}, scopes, attributes).
 * - kayenta-core/…/canary/results/CanaryJudgeResult.java @ 2a5f6dc52e4568408f54706f33efd15f1fac04d2,
 *   CanaryJudgeGroupScore.java @ 5a224e6c6b58364c2b5737269eeebcc0d5f05d59,
 *   CanaryAnalysisResult.java @ 051bb0d15cd9a8a840b7f5a47110e9d1295da7dc (and the later version with `critical`).
 * - kayenta-judge/…/judge/NetflixACAJudge.scala @ 8a754a1651fbbe3e9f085e00e97e50c7d5b795dc and its later version
 *   (analysisConfigurations.canary: direction default "either", nanStrategy default remove, critical, mustHaveData,
 *   effectSize.{allowedIncrease, allowedDecrease, criticalIncrease, criticalDecrease} default 1.0),
 *   classifiers/metric/MannWhitneyClassifier.scala (Nodata / NodataFailMetric / critical rules),
 *   scorers/WeightedSumScorer.scala @ 80e951c4cd44e7beceb6f4929f8a25b960fe75b8 and later (group score = Pass over
 *   Pass+High+Low+NodataFailMetric; unweighted groups share what the weights leave of 100; a critical failure
 *   scores 0; half or more Nodata scores 0; summary rounded to 2 decimals),
 *   classifiers/score/ThresholdScoreClassifier.scala (≥ pass → Pass, ≥ marginal → Marginal, else Fail).
 * - Muted metrics: NetflixACAJudge.scala reads `analysisConfigurations.canary.muted` (default false) into
 *   CanaryAnalysisResult.muted; scorers/ScoringHelper.scala @ a69573be9d8fededacf80817e4151a2c8df41276 (lines 38, 47)
 *   scores only `metricResults.filter(!_.isMuted)` — groups, critical failures and the no-data share alike — and still
 *   returns every result (added in "feat(judge): add ability to mute metric result from total score computation (#819)";
 *   kayenta-integration-tests' muted-metric.json: a critical, muted metric that is High, and the canary passes).
 * - NaN: Kayenta's object mapper (KayentaConfiguration.configureObjectMapperFeatures) leaves Jackson's default
 *   WRITE_NAN_AS_STRINGS / QUOTE_NON_NUMERIC_NUMBERS on, so a Double.NaN arrives as the JSON string "NaN"
 *   (and ±∞ as "Infinity" / "-Infinity"). `null` is accepted too and means the same.
 *
 * **Excess fields.** Kayenta sends much this route does not read (query
 * details, scopes, attributes, timestamps, templates, outlier settings): the
 * schemas are plain `Schema.Struct`s and the route must be decoded with
 * `onExcessProperty: "ignore"` (annotate the endpoint with
 * `HttpApi.PayloadParseOptions`), unlike every other route. {@link decodeRequest}
 * decodes that way.
 */

// ---------------------------------------------------------------------------
// Request

/** A measurement as Jackson writes a `Double`: a number, or "NaN"/"Infinity"/"-Infinity" (null read as NaN). */
export const Value = Schema.Union([Schema.Finite, Schema.Literals(["NaN", "Infinity", "-Infinity"]), Schema.Null]).annotate({
  identifier: "KayentaValue",
  description: 'A measurement: a number, or "NaN" / "Infinity" / "-Infinity" as Jackson writes them (null is read as NaN)'
})
/** @see {@link Value} */
export type Value = typeof Value.Type

/** `effectSize`: ratios of the canary's mean to the baseline's (1.1 = 10 % higher). Every one defaults to 1.0. */
export const EffectSize = Schema.Struct({
  /** How much higher the canary may be before it counts (1.1: 10 %). Rollwise's tolerance is `allowedIncrease − 1`. */
  allowedIncrease: Schema.optionalKey(Schema.Finite),
  /** How much lower the canary may be before it counts (0.9: 10 %). Rollwise's tolerance is `1 − allowedDecrease`. */
  allowedDecrease: Schema.optionalKey(Schema.Finite),
  /** For a critical metric: how much higher before a High fails the whole canary (default 1.0: any High). */
  criticalIncrease: Schema.optionalKey(Schema.Finite),
  /** For a critical metric: how much lower before a Low fails the whole canary (default 1.0: any Low). */
  criticalDecrease: Schema.optionalKey(Schema.Finite)
}).annotate({ identifier: "KayentaEffectSize" })

/** `analysisConfigurations.canary` of one metric. */
export const CanaryAnalysisConfig = Schema.Struct({
  /**
   * The bad direction: `increase` — the metric must not go up (latency,
   * errors); `decrease` — must not go down (throughput); `either` (default)
   * — neither. Kayenta reads an unknown word as `either`; Rollwise refuses
   * it, since a misspelt direction would silently be judged both ways.
   */
  direction: Schema.optionalKey(Schema.Literals(["increase", "decrease", "either"])),
  /** What NaN measurements become: `remove` (default) drops them, `replace` makes them 0. */
  nanStrategy: Schema.optionalKey(Schema.Literals(["remove", "replace"])),
  /** A critical metric that fails (or has no data) fails the whole canary: score 0. */
  critical: Schema.optionalKey(Schema.Boolean),
  /** A non-critical metric without data counts as not passing (NodataFailMetric) instead of being left out. */
  mustHaveData: Schema.optionalKey(Schema.Boolean),
  /**
   * Judged and reported, but left out of every score: groups, the summary,
   * the critical rule and the no-data rule (Kayenta's ScoringHelper scores
   * only `!isMuted` results). A muted metric cannot fail or pass a canary.
   */
  muted: Schema.optionalKey(Schema.Boolean),
  effectSize: Schema.optionalKey(EffectSize)
}).annotate({ identifier: "KayentaCanaryAnalysisConfig" })

/** One metric of the canary config (its query is Kayenta's business and ignored here). */
export const MetricConfig = Schema.Struct({
  name: Schema.String,
  /** The groups the metric is scored in; a metric in no group is judged but scored nowhere (as in Kayenta). */
  groups: Schema.optionalKey(Schema.Array(Schema.String)),
  analysisConfigurations: Schema.optionalKey(Schema.Struct({ canary: Schema.optionalKey(CanaryAnalysisConfig) })),
  scopeName: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "KayentaCanaryMetricConfig" })
/** @see {@link MetricConfig} */
export type MetricConfig = typeof MetricConfig.Type

/** The canary config, as far as judging needs it. */
export const CanaryConfig = Schema.Struct({
  name: Schema.optionalKey(Schema.String),
  id: Schema.optionalKey(Schema.String),
  metrics: Schema.Array(MetricConfig),
  classifier: Schema.optionalKey(
    Schema.Struct({
      /** Weight of each group in the summary score; groups without one share what is left of 100 (equal weights when absent). */
      groupWeights: Schema.optionalKey(Schema.Record(Schema.String, Schema.Finite))
    })
  )
}).annotate({ identifier: "KayentaCanaryConfig" })

/** One metric's fetched series: the baseline's (`control`) and the canary's (`experiment`). */
export const MetricSetPair = Schema.Struct({
  /** The metric's name in `canaryConfig.metrics`. */
  name: Schema.String,
  id: Schema.optionalKey(Schema.String),
  tags: Schema.optionalKey(Schema.Record(Schema.String, Schema.String)),
  /** A missing series is no data, like an empty one. */
  values: Schema.Struct({
    control: Schema.optionalKey(Schema.Array(Value)),
    experiment: Schema.optionalKey(Schema.Array(Value))
  })
}).annotate({ identifier: "KayentaMetricSetPair" })
/** @see {@link MetricSetPair} */
export type MetricSetPair = typeof MetricSetPair.Type

/** The summary score's thresholds, 0–100, `marginal` ≤ `pass`. */
export const ScoreThresholds = Schema.Struct({
  pass: Schema.Finite,
  marginal: Schema.Finite
}).annotate({ identifier: "KayentaScoreThresholds" })

/** What Kayenta's RemoteJudge posts to `<endpoint>/judge`. Decode with `onExcessProperty: "ignore"`. */
export const Request = Schema.Struct({
  canaryConfig: CanaryConfig,
  metricSetPairList: Schema.Array(MetricSetPair),
  scoreThresholds: ScoreThresholds
}).annotate({ identifier: "KayentaJudgeRequest" })
/** @see {@link Request} */
export type Request = typeof Request.Type

// ---------------------------------------------------------------------------
// Response

/**
 * A metric's classification, Kayenta's words: `Pass`; `High` / `Low` — worse
 * upward / downward; `Nodata` — left out of the score; `NodataFailMetric` —
 * no data for a `mustHaveData` metric, scored as not passing.
 */
export const Classification = Schema.Literals(["Pass", "High", "Low", "Nodata", "NodataFailMetric"]).annotate({ identifier: "KayentaClassification" })
/** @see {@link Classification} */
export type Classification = typeof Classification.Type

/** Descriptive statistics of one series after NaN handling (zeros when empty, as Kayenta reports them). */
export const Stats = Schema.Struct({
  count: Schema.Int,
  min: Schema.Finite,
  max: Schema.Finite,
  mean: Schema.Finite,
  median: Schema.Finite,
  std: Schema.Finite
}).annotate({ identifier: "KayentaStats" })

/** One metric's judgement (Kayenta's CanaryAnalysisResult). */
export const AnalysisResult = Schema.Struct({
  name: Schema.String,
  id: Schema.String,
  tags: Schema.Record(Schema.String, Schema.String),
  classification: Classification,
  /** Rollwise's analyzer, in its words (prefixed when a marginal verdict is shown as Pass). */
  classificationReason: Schema.String,
  groups: Schema.Array(Schema.String),
  experimentMetadata: Schema.Struct({ stats: Stats }),
  controlMetadata: Schema.Struct({ stats: Stats }),
  resultMetadata: Schema.Struct({
    /** Kayenta's deviation: the canary's mean over the baseline's (1 when the baseline's mean is 0). */
    ratio: Schema.Finite,
    /** Rollwise's own status for the metric: `marginal` shows as Pass. */
    status: Schema.Literals(["pass", "marginal", "fail", "nodata"]),
    /** Relative effect in the bad direction of the deciding judgement (0.2 = 20 % worse). */
    effect: Schema.NullOr(Schema.Finite),
    pValue: Schema.NullOr(Schema.Finite)
  }),
  /** This metric alone fails the canary (a critical metric that failed past its critical effect size, or had no data) — unless muted. */
  critical: Schema.Boolean,
  /** `analysisConfigurations.canary.muted`: judged and listed, but in no score (Kayenta's CanaryAnalysisResult.muted). */
  muted: Schema.Boolean
}).annotate({ identifier: "KayentaCanaryAnalysisResult" })
/** @see {@link AnalysisResult} */
export type AnalysisResult = typeof AnalysisResult.Type

/** A group's score: the share of its judged metrics that pass, ×100. */
export const GroupScore = Schema.Struct({
  name: Schema.String,
  score: Schema.Finite,
  /** Against the thresholds; `Nodata` when no metric of the group was judged (the group then counts 100 in the summary, as in Kayenta). */
  classification: Schema.Literals(["Pass", "Marginal", "Fail", "Nodata"]),
  classificationReason: Schema.String
}).annotate({ identifier: "KayentaCanaryJudgeGroupScore" })
/** @see {@link GroupScore} */
export type GroupScore = typeof GroupScore.Type

/** The summary (Kayenta's CanaryJudgeScore). */
export const Score = Schema.Struct({
  /** 0–100, rounded to 2 decimals. */
  score: Schema.Finite,
  classification: Schema.Literals(["Pass", "Marginal", "Fail"]),
  classificationReason: Schema.String
}).annotate({ identifier: "KayentaCanaryJudgeScore" })

/** The answer Kayenta deserializes (CanaryJudgeResult). */
export const Response = Schema.Struct({
  judgeName: Schema.String,
  results: Schema.Array(AnalysisResult),
  groupScores: Schema.Array(GroupScore),
  score: Score
}).annotate({ identifier: "KayentaCanaryJudgeResult" })
/** @see {@link Response} */
export type Response = typeof Response.Type

/** The `judgeName` in every answer. */
export const judgeName = "Rollwise-v1"

/** Share of metrics without data at or above which the canary fails (Kayenta's NODATA_THRESHOLD). */
export const nodataThreshold = 0.5

// ---------------------------------------------------------------------------
// Decoding

/**
 * Decode a body as this route does: unknown fields ignored at every depth
 * (Kayenta's payload carries many), the first problem an InputError naming
 * the field.
 */
export const decodeRequest = (input: unknown): Effect.Effect<Request, InputError> =>
  Effect.suspend(() => {
    const exit = Schema.decodeUnknownExit(Request)(input, { onExcessProperty: "ignore", errors: "first" })
    if (Exit.isSuccess(exit)) return Effect.succeed(exit.value)
    const squashed = Cause.squash(exit.cause)
    const { path, detail } = Decode.describe(squashed instanceof Error ? squashed.message : String(squashed))
    return Effect.fail(new InputError({ ...(path === "" ? {} : { field: path }), message: path === "" ? detail : `${path}: ${detail}` }))
  })
