import { Effect } from "effect"
import { Command, Flag } from "effect/cli"

/** The flags of `rollwise logs templates`. */
export const templatesFlags = {
  input: Flag.String("input").pipe(Flag.withDescription("A file of log messages, one per line (`-` reads stdin)")),
  top: Flag.Int("top").pipe(Flag.withDescription("Show only the N most frequent templates in the table (--json always lists them all)"), Flag.optional)
}
export type TemplatesFlags = Command.Command.Config.Infer<typeof templatesFlags>

const impl = () => import("./impl/Logs.ts")

/** `rollwise logs templates`. */
export const templates = Command.make("templates", templatesFlags, (flags) => Effect.flatMap(Effect.promise(impl), (m) => m.runTemplates(flags))).pipe(
  Command.withDescription(
    "Mine message templates from log lines, the way a signatures metric does during a canary: variables (ids, numbers, paths, addresses) become <*>, " +
      "and every line gets exactly one template whose pattern matches it. Prints a table of templates by count; with --json one document " +
      '{"templates": [{"id", "pattern", "count"}], "assignments": [template id of line 1, of line 2, …]}. Exits 3 when the file cannot be read.'
  ),
  Command.withShortDescription("Mine message templates from a file of log lines"),
  Command.withExamples([
    { command: "rollwise logs templates --input app-log.txt --top 20", description: "The 20 most frequent message templates of a log" },
    { command: "kubectl logs deploy/checkout | rollwise logs templates --input - --json", description: "Templates and per-line assignments for a machine" }
  ])
)

/** `rollwise logs`: log tools (issue #22). */
export const logs = Command.make("logs").pipe(
  Command.withDescription("Work with log lines the way the analyzer's signatures metrics do"),
  Command.withShortDescription("Mine log templates"),
  Command.withSubcommands([templates])
)
