import { Effect, Result } from "effect"
import { Model, RiskInputError } from "../src/index.ts"

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

/** A model's probability for one row, for assertions (the library has only the Effect form). */
export const predict = (model: Model.Model, features: Readonly<Record<string, number>>): number => ok(Model.probability(model, features))

/** A model's probabilities for a table, for assertions. */
export const predictMany = (model: Model.Model, table: Parameters<typeof Model.predictTable>[1]): Float64Array => ok(Model.predictTable(model, table))

/** A model's reasons for one row, for assertions. */
export const explain = (model: Model.Model, features: Readonly<Record<string, number>>) => ok(Model.reasons(model, features))
