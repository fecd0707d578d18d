import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Cause, Effect, Exit } from "effect"
import { Command } from "effect/cli"
import { serveCommand } from "@rollwise/api-server"

/**
 * The server on its own (`node dist/main.js --host … --port …`), the same
 * command `rollwise serve` runs. A failure to start prints one line on
 * stderr and exits 1; SIGTERM and SIGINT finish in-flight requests and exit 0.
 */
const program = Command.runWith(serveCommand, { version: "0.1.0" })(process.argv.slice(2)).pipe(
  Effect.tapCause((cause) =>
    Cause.hasInterruptsOnly(cause)
      ? Effect.void
      : Effect.sync(() => {
          const error = Cause.squash(cause)
          process.stderr.write(`rollwise-http-api: ${error instanceof Error ? error.message : String(error)}\n`)
        })
  ),
  Effect.provide(NodeServices.layer)
)

NodeRuntime.runMain(program, {
  disableErrorReporting: true,
  teardown: (exit, onExit) => onExit(Exit.isSuccess(exit) || Cause.hasInterruptsOnly(exit.cause) ? 0 : 1)
})
