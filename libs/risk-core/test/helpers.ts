import { Effect, Result } from "effect"
import { RiskInputError } from "../src/index.ts"

/** Run a pure Effect and return its value, failing the test on an error. */
export const ok = <A, E>(effect: Effect.Effect<A, E>): A => {
  const result = Effect.runSync(Effect.result(effect))
  if (Result.isFailure(result)) throw new Error(`expected success, got ${String(result.failure)}`)
  return result.success
}

/** Run a pure Effect that must fail with a RiskInputError and return the error. */
export const fails = <A>(effect: Effect.Effect<A, RiskInputError>): RiskInputError => {
  const result = Effect.runSync(Effect.result(effect))
  if (Result.isSuccess(result)) throw new Error(`expected a RiskInputError, got ${JSON.stringify(result.success)}`)
  if (!(result.failure instanceof RiskInputError)) throw new Error("expected a RiskInputError")
  return result.failure
}
