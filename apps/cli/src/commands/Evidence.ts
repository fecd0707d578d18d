import { Effect } from "effect"
import { Argument, Command, Flag } from "effect/cli"

const db = Flag.String("db").pipe(Flag.withDescription("The evidence store (default: .rollwise/evidence.db)"), Flag.withDefault(".rollwise/evidence.db"))

/** The flags of `rollwise evidence list`. */
export const listFlags = {
  db,
  service: Flag.String("service").pipe(Flag.withDescription("Only this service"), Flag.optional),
  module: Flag.String("module").pipe(Flag.withDescription("Only this module"), Flag.optional),
  limit: Flag.Int("limit").pipe(Flag.withDescription("At most this many, newest first (default: 20)"), Flag.withDefault(20))
}
export type ListFlags = Command.Command.Config.Infer<typeof listFlags>

/** The flags of `rollwise evidence show`. */
export const showFlags = {
  db,
  rollout: Argument.String("rollout").pipe(Argument.withDescription("The rollout id (see rollwise evidence list)"))
}
export type ShowFlags = Command.Command.Config.Infer<typeof showFlags>

const impl = () => import("./impl/Evidence.ts")

/** `rollwise evidence list`. */
export const list = Command.make("list", listFlags, (flags) => Effect.flatMap(Effect.promise(impl), (m) => Effect.scoped(m.runList(flags)))).pipe(
  Command.withDescription("List recorded rollouts, newest first: id, service, target, start, result."),
  Command.withShortDescription("List recorded rollouts, newest first")
)

/** `rollwise evidence show ID`. */
export const show = Command.make("show", showFlags, (flags) => Effect.flatMap(Effect.promise(impl), (m) => Effect.scoped(m.runShow(flags)))).pipe(
  Command.withDescription("Show one rollout's timeline — gates, steps, verdicts, actions, result — from the evidence store; --json prints the whole record."),
  Command.withShortDescription("Show one rollout's timeline: decision, gates, verdicts, actions, result")
)
