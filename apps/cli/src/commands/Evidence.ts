import { Effect } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { notYet } from "./NotYet.ts"

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

/** The flags of `rollwise evidence export`. */
export const exportFlags = {
  db,
  format: Flag.Literals("format", ["csv", "jsonl"]).pipe(Flag.withDescription("csv (default) or jsonl, both read by rollwise risk train"), Flag.withDefault("csv" as const)),
  service: Flag.String("service").pipe(Flag.withDescription("Only this service"), Flag.optional),
  out: Flag.String("out").pipe(Flag.withDescription("Write here (atomically) instead of stdout"), Flag.optional)
}
export type ExportFlags = Command.Command.Config.Infer<typeof exportFlags>

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

/** `rollwise evidence export`. */
export const exportHistory = Command.make("export", exportFlags, (flags) => Effect.flatMap(Effect.promise(impl), (m) => Effect.scoped(m.runExport(flags)))).pipe(
  Command.withDescription(
    "Export finished rollouts as the history table `rollwise risk train` reads: one row per rollout with its change's features and the label " +
      "`failed` (0 promoted, 1 rolled back or aborted) — closing the loop from outcomes to the risk model."
  ),
  Command.withShortDescription("Export outcomes as the history table `risk train` reads"),
  Command.withExamples([{ command: "rollwise evidence export --format csv --out history.csv && rollwise risk train --history history.csv --time finishedAt --out model.json", description: "Learn from your own rollouts" }])
)

/** `rollwise evidence publish`: the rollout's evidence as build-info in Artifactory (issue #20). */
export const publish = notYet("publish", "evidence publish", "issue #20", "Publish a rollout's evidence to JFrog Artifactory as build-info")
