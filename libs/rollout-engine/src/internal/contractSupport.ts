import { Effect, Exit, type Layer } from "effect"

/**
 * How the contract suites talk to a port: run an operation against a fresh
 * layer and read back its value (`ok`) or its failure's `reason` (`reason`).
 */
export const harness = <I, S>(service: Effect.Effect<S, never, I>, layer: () => Layer.Layer<I>) => {
  const run = <A, E>(f: (s: S) => Effect.Effect<A, E>) => Effect.runPromiseExit(Effect.flatMap(service, f).pipe(Effect.provide(layer())))
  return {
    ok: async <A, E>(f: (s: S) => Effect.Effect<A, E>): Promise<A> => {
      const exit = await run(f)
      if (Exit.isFailure(exit)) throw new Error(`expected success, got ${String(exit.cause)}`)
      return exit.value
    },
    reason: async <A>(f: (s: S) => Effect.Effect<A, { readonly reason: string }>): Promise<string | undefined> => {
      const exit = await run(f)
      if (Exit.isSuccess(exit)) throw new Error("expected a failure")
      return (exit.cause.reasons[0] as { error?: { reason?: string } }).error?.reason
    }
  }
}
