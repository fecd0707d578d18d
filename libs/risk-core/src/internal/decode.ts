import { Decode, type DecodeError } from "@rollwise/input-schema"
import { Effect, type Schema } from "effect"
import { type Reason, RiskInputError } from "../RiskInputError.ts"

/**
 * Re-tag an input-schema error as risk-core's own: the `reason` says which
 * input it was, and the message is prefixed with `what` (`changeset`,
 * `policy`, `model`) because the caller names the file, not risk-core.
 */
export const fromInputError = (reason: Reason, what: string) => (error: DecodeError): RiskInputError =>
  new RiskInputError({
    reason,
    message: `${what}: ${error.message}`,
    ...(error.path !== "" ? { field: error.path } : {})
  })

/**
 * Decode `input` with `schema` the way every Rollwise library does (strict,
 * one line naming the field, see `@rollwise/input-schema`), failing with a
 * {@link RiskInputError} of the given reason.
 */
export const decodeInput = <S extends Schema.Top & { readonly DecodingServices: never }>(schema: S, reason: Reason, what: string) => {
  const decode = Decode.decode(schema)
  const toRiskError = fromInputError(reason, what)
  return (input: unknown): Effect.Effect<S["Type"], RiskInputError> => Effect.mapError(decode(input), toRiskError)
}
