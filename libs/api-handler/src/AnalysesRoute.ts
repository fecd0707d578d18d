import { Analyses, ApiError } from "@rollwise/api-contract"
import { Analyzer, Observation, SloSpec } from "@rollwise/slo-policy"
import { Effect, Result, Schema } from "effect"
import { allFinite } from "./internal/finite.ts"
import { toApiInputError } from "./LibraryErrors.ts"
import { payloadIssue } from "./internal/responses.ts"
/** Decode the spec as `rollwise analyze` does: schema, then window, unique names and promoteAfter. */
export const decodeSpec = (slo: unknown): Effect.Effect<SloSpec.Spec, ApiError.InputError> =>
  SloSpec.decode(slo, "slo").pipe(Effect.mapError(toApiInputError("slo")))

/** The first observation value beyond {@link Analyses.maxMagnitude}, as an ApiError.InputError naming it. */
const tooLarge = (observations: Analyses.Request["observations"]): ApiError.InputError | undefined => {
  for (let i = 0; i < observations.length; i++) {
    const o = observations[i]!
    if ("values" in o) {
      for (let j = 0; j < o.values.length; j++) {
        const v = o.values[j]
        if (v !== null && v !== undefined && Math.abs(v) > Analyses.maxMagnitude) {
          const field = `observations[${i}].values[${j}]`
          return new ApiError.InputError({ field, message: `${field}: ${v} is beyond ±1e15, more than any metric measures` })
        }
      }
    } else {
      // counts of a ratio, or the exposure of a signatures metric's lines
      const counts: { readonly errors?: number; readonly total?: number } = o
      for (const key of ["errors", "total"] as const) {
        const v = counts[key]
        if (v !== undefined && v > Analyses.maxMagnitude) {
          const field = `observations[${i}].${key}`
          return new ApiError.InputError({ field, message: `${field}: ${v} is beyond 1e15, more than any metric counts` })
        }
      }
    }
  }
  return undefined
}

/**
 * Judge the request's release. The observations go through the same checks
 * as the CLI's NDJSON file (each array element one line), so every check —
 * unknown metric, values for a ratio, more errors than requests, duplicates,
 * gaps between windows — answers the same, naming `observations[i]`.
 */
export const analyze = (request: Analyses.Request): Effect.Effect<Analyses.Response, ApiError.InputError> =>
  Effect.gen(function* () {
    const spec = yield* decodeSpec(request.slo)
    const extreme = tooLarge(request.observations)
    if (extreme !== undefined) return yield* Effect.fail(extreme)
    // already decoded by the route's schema: only the checks across observations are left
    const parsed = Observation.groupResult(request.observations.map((observation, i) => ({ line: i + 1, observation })), spec, "")
    if (Result.isFailure(parsed)) return yield* Effect.fail(toApiInputError("observations", { elements: true })(parsed.failure))
    const releases = parsed.success
    const wanted = request.release
    const release =
      wanted !== undefined ? releases.find((r) => r.id === wanted) : releases.length <= 1 ? (releases[0] ?? { id: Observation.defaultRelease, windows: [] }) : undefined
    if (release === undefined) {
      return yield* new ApiError.InputError({
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
      return yield* new ApiError.InputError({ field: "observations", message: "observations: these values make the analysis overflow (a sum or spread beyond the largest number); check for extreme values" })
    }
    return { release: release.id, verdict: verdicts.at(-1) ?? Analyzer.noWindows, verdicts }
  })

const decodeJson = Schema.decodeUnknownEffect(Schema.toCodecJson(Analyses.Request))

/**
 * A `POST /v1/analyses` body from its text, decoded as the route decodes it
 * (JSON, then the request's JSON codec, strict about unknown fields, the
 * first problem only) and failing with the same 400 — so a worker thread can
 * take the whole body, parsing included, off the server's main thread and
 * answer exactly what the route would.
 */
export const decodeBody = (text: string): Effect.Effect<Analyses.Request, ApiError.InputError> => {
  let json: unknown
  if (text !== "") {
    try {
      json = JSON.parse(text)
    } catch {
      return Effect.fail(new ApiError.InputError({ message: "the body is not valid JSON" }))
    }
  }
  return decodeJson(json, { onExcessProperty: "error", errors: "first" }).pipe(
    Effect.mapError((e) => {
      const issue = payloadIssue(e.message)
      return new ApiError.InputError(issue.field === undefined ? { message: issue.message } : { field: issue.field, message: issue.message })
    })
  )
}

/** {@link decodeBody}, then {@link analyze}: the whole route on a body's text. */
export const analyzeBody = (text: string): Effect.Effect<Analyses.Response, ApiError.InputError> => Effect.flatMap(decodeBody(text), analyze)
