import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Cause, Console, Effect } from "effect"
import { CliOutput, Command } from "effect/cli"
import { command, version } from "./Cli.ts"
import { Exited, report } from "./Failure.ts"
import * as ConfigFile from "./internal/ConfigFile.ts"

/**
 * The process entry point: run the command tree on argv; on failure print one
 * line on stderr (the full cause too with --debug) and exit with the
 * documented code. Never a stack trace by default.
 */
const argv = process.argv.slice(2)
const debug = argv.includes("--debug")

/**
 * effect/cli prints the help before it fails with a parse error (a missing
 * flag, a bad value): on stdout, where `--json` promises one document. The
 * help is held here until the run ends, then printed only when it was asked
 * for (`--help`, or a command group without its subcommand); a parse error
 * is the one line on stderr that `report` writes.
 */
const formatter = CliOutput.defaultFormatter()
let heldHelp: string | undefined
const holdingFormatter: CliOutput.Formatter = {
  ...formatter,
  formatHelpDoc: (doc) => (heldHelp = formatter.formatHelpDoc(doc))
}
const holdingConsole: Console.Console = Object.assign(Object.create(globalThis.console) as Console.Console, {
  log: (...args: ReadonlyArray<unknown>) => {
    if (heldHelp !== undefined && args.length === 1 && args[0] === heldHelp) return
    globalThis.console.log(...args)
  }
})
const printHeldHelp = Effect.sync(() => {
  if (heldHelp !== undefined) globalThis.console.log(heldHelp)
})

const program = Command.runWith(command, { version, renderErrors: false })(argv).pipe(
  Effect.provide(CliOutput.layer(holdingFormatter)),
  Effect.provideService(Console.Console, holdingConsole),
  Effect.provide(ConfigFile.layer(ConfigFile.findConfigArg(argv))),
  Effect.tap(() => printHeldHelp),
  Effect.catchCause((cause) => {
    const r = report(cause)
    const parseError = Cause.hasFails(cause) && r.exitCode !== 0 && (Cause.squash(cause) as { _tag?: unknown })._tag === "ShowHelp"
    return Effect.gen(function* () {
      if (!parseError) yield* printHeldHelp
      if (!r.alreadyShown) process.stderr.write(`rollwise: ${r.line}\n`)
      if (debug) process.stderr.write(`${r.detail}\n`)
      if (r.exitCode !== 0) return yield* new Exited({ code: r.exitCode })
    })
  }),
  Effect.provide(NodeServices.layer)
)

NodeRuntime.runMain(program, { disableErrorReporting: true })
