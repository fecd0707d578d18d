import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Effect } from "effect"
import { Command } from "effect/cli"
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

const program = Command.runWith(command, { version, renderErrors: false })(argv).pipe(
  Effect.provide(ConfigFile.layer(ConfigFile.findConfigArg(argv))),
  Effect.catchCause((cause) => {
    const r = report(cause)
    if (!r.alreadyShown) {
      process.stderr.write(`rollwise: ${r.line}\n`)
    }
    if (debug) {
      process.stderr.write(`${r.detail}\n`)
    }
    return r.exitCode === 0 ? Effect.void : Effect.fail(new Exited({ code: r.exitCode }))
  }),
  Effect.provide(NodeServices.layer)
)

NodeRuntime.runMain(program, { disableErrorReporting: true })
