import { Analyzer, Observation, SloSpec, Verdict } from "@rollwise/slo-policy"
import type { InputError as LibInputError } from "@rollwise/input-schema"
import { Effect, Result, Schema } from "effect"
import { InputError } from "./ApiError.ts"
import { allFinite } from "./internal/finite.ts"
import { payloadIssue } from "./internal/responses.ts"

/**
 * `POST /v1/analyses`: an offline analysis, the same as `rollwise analyze
 * --slo slo.yaml --observations obs.ndjson`: the SLO spec (slo.yaml as JSON)
 * and the recorded observations (the NDJSON lines as one JSON array) → the
 * verdict of every window up to the first decisive one, and the last.
 */
export const Request = Schema.Struct({
  /** The SLO spec, slo.yaml's document as JSON (`apiVersion: rollwise/v1`, `kind: SloSpec`). */
  slo: SloSpec.SloSpec,
  /** The observations, each one line of the NDJSON format (`{window, metric, track, values}` or `{…, errors, total}`). */
  observations: Schema.Array(Observation.Observation),
  /** Which release to judge when the observations hold several (`release` fields); optional when they hold one. */
  release: Schema.optionalKey(Schema.NonEmptyString)
}).annotate({ identifier: "AnalysisRequest" })

/** @see {@link Request} */
export type Request = typeof Request.Type

/** The answer: `verdict` is the last of `verdicts` (what `rollwise analyze --json` prints). */
export const Response = Schema.Struct({
  release: Schema.String,
  verdict: Verdict.Verdict,
  verdicts: Schema.Array(Verdict.Verdict)
}).annotate({ identifier: "AnalysisResponse" })

/** @see {@link Response} */
export type Response = typeof Response.Type

/**
 * A slo-policy input error re-rooted at a request field. For the
 * observations, `line` is the array index plus one, so a line's problem
 * becomes `observations[i].<path>`; a problem of the whole set (a gap
 * between windows) names `observations`.
 */
export const fromLibInputError = (root: string) => (error: LibInputError) => {
  const field =
    root === "observations"
      ? error.line === undefined
        ? root
        : error.path === ""
          ? `${root}[${error.line - 1}]`
          : `${root}[${error.line - 1}].${error.path}`
      : error.path === ""
        ? root
        : `${root}.${error.path}`
  return new InputError({ field, message: `${field}: ${error.detail}` })
}

/** Decode the spec as `rollwise analyze` does: schema, then window, unique names and promoteAfter. */
export const decodeSpec = (slo: unknown): Effect.Effect<SloSpec.Spec, InputError> =>
  SloSpec.decode(slo, "slo").pipe(Effect.mapError(fromLibInputError("slo")))

/**
 * The largest magnitude a sample or count may have (10^15). Real metrics stay
 * far below it; beyond it sums and squares inside the analysis can overflow
 * to ±Infinity, which no verdict can carry.
 */
export const maxMagnitude = 1e15

/** The first observation value beyond {@link maxMagnitude}, as an InputError naming it. */
const tooLarge = (observations: Request["observations"]): InputError | undefined => {
  for (let i = 0; i < observations.length; i++) {
    const o = observations[i]!
    if ("values" in o) {
      for (let j = 0; j < o.values.length; j++) {
        const v = o.values[j]
        if (v !== null && v !== undefined && Math.abs(v) > maxMagnitude) {
          const field = `observations[${i}].values[${j}]`
          return new InputError({ field, message: `${field}: ${v} is beyond ±1e15, more than any metric measures` })
        }
      }
    } else {
      for (const key of ["errors", "total"] as const) {
        if (o[key] > maxMagnitude) {
          const field = `observations[${i}].${key}`
          return new InputError({ field, message: `${field}: ${o[key]} is beyond 1e15, more than any metric counts` })
        }
      }
    }
  }
  return undefined
}

/** The verdict before any window: hold (slo-policy's, which the CLI prints for an empty release too). */
export const noWindows: Verdict.Verdict = Analyzer.noWindows

/**
 * Judge the request's release. The observations go through the same checks
 * as the CLI's NDJSON file (each array element one line), so every check —
 * unknown metric, values for a ratio, more errors than requests, duplicates,
 * gaps between windows — answers the same, naming `observations[i]`.
 */
export const analyze = (request: Request): Effect.Effect<Response, InputError> =>
  Effect.gen(function* () {
    const spec = yield* decodeSpec(request.slo)
    const extreme = tooLarge(request.observations)
    if (extreme !== undefined) return yield* Effect.fail(extreme)
    // already decoded by the route's schema: only the checks across observations are left
    const parsed = Observation.groupResult(request.observations.map((observation, i) => ({ line: i + 1, observation })), spec, "")
    if (Result.isFailure(parsed)) return yield* Effect.fail(fromLibInputError("observations")(parsed.failure))
    const releases = parsed.success
    const wanted = request.release
    const release =
      wanted !== undefined ? releases.find((r) => r.id === wanted) : releases.length <= 1 ? (releases[0] ?? { id: Observation.defaultRelease, windows: [] }) : undefined
    if (release === undefined) {
      return yield* new InputError({
        field: "release",
        message:
          wanted !== undefined
            ? `release: the observations have no release "${wanted}" (they have ${releases.map((r) => r.id).join(", ") || "none"})`
            : `release: the observations hold ${releases.length} releases (${releases.slice(0, 5).map((r) => r.id).join(", ")}${releases.length > 5 ? ", …" : ""}); name one`
      })
    }
    const verdicts = Analyzer.run(spec, release)
    if (!allFinite(verdicts)) {
      // a combination of values the analysis cannot summarise in finite numbers: the input's doing, said as such
      return yield* new InputError({ field: "observations", message: "observations: these values make the analysis overflow (a sum or spread beyond the largest number); check for extreme values" })
    }
    return { release: release.id, verdict: verdicts.at(-1) ?? noWindows, verdicts }
  })

const decodeJson = Schema.decodeUnknownEffect(Schema.toCodecJson(Request))

/**
 * A `POST /v1/analyses` body from its text, decoded as the route decodes it
 * (JSON, then the request's JSON codec, strict about unknown fields, the
 * first problem only) and failing with the same 400 — so a worker thread can
 * take the whole body, parsing included, off the server's main thread and
 * answer exactly what the route would.
 */
export const decodeBody = (text: string): Effect.Effect<Request, InputError> => {
  let json: unknown
  if (text !== "") {
    try {
      json = JSON.parse(text)
    } catch {
      return Effect.fail(new InputError({ message: "the body is not valid JSON" }))
    }
  }
  return decodeJson(json, { onExcessProperty: "error", errors: "first" }).pipe(
    Effect.mapError((e) => {
      const issue = payloadIssue(e.message)
      return new InputError(issue.field === undefined ? { message: issue.message } : { field: issue.field, message: issue.message })
    })
  )
}

/** {@link decodeBody}, then {@link analyze}: the whole route on a body's text. */
export const analyzeBody = (text: string): Effect.Effect<Response, InputError> => Effect.flatMap(decodeBody(text), analyze)
