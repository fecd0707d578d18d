import { ApiError, Flags } from "@rollwise/api-contract"
import { Context, Effect } from "effect"
import { HttpServerResponse } from "effect/http"

/**
 * `GET /v1/flags/{key}`: the flag document applications poll for a
 * feature-flag canary (the OpenFeature provider of @rollwise/target-flag),
 * with its version as the ETag: `If-None-Match` naming the current version
 * answers 304 without a body, so an unchanged flag costs almost nothing; an
 * unknown flag is 404, a store that cannot be read 503.
 */

/** Where the server reads flags from (the flag store a `rollwise rollout --target flag:KEY` writes). */
export class FlagReader extends Context.Service<
  FlagReader,
  {
    readonly get: (key: string) => Effect.Effect<Flags.FlagDocument | undefined, ApiError.Unavailable>
  }
>()("rollwise/api-handler/FlagsRoute/FlagReader") {
}

/** A server without flags: 503 saying how to start one that serves them. */
export const noFlags: FlagReader["Service"] = FlagReader.of({
  get: () => Effect.fail(new ApiError.Unavailable({ message: "this server serves no flags (rollwise serve --flags-dir DIR, the folder rollwise rollout --target flag:KEY writes)" }))
})

/** The flag's document, or 304 when the caller holds its version already. */
export const get = (key: string, ifNoneMatch: string | undefined) =>
  Effect.gen(function* () {
    const reader = yield* FlagReader
    const doc = yield* reader.get(key)
    if (doc === undefined) return yield* new ApiError.NotFound({ message: `flag ${key} not found` })
    const headers = { etag: Flags.etag(doc), "cache-control": "no-cache" }
    if (Flags.notModified(ifNoneMatch, doc)) return HttpServerResponse.empty({ status: 304, headers })
    return HttpServerResponse.jsonUnsafe(doc, { headers })
  })
