import { Effect } from "effect"
import { Command } from "effect/cli"
import { NotImplementedError } from "../Failure.ts"

/**
 * A subcommand the design names whose implementation lands with a later issue.
 * It is listed in `--help` with its real description and fails with exit 6 and
 * a line naming the issue, so a pipeline never mistakes it for success.
 */
export const notYet = <const Name extends string>(name: Name, path: string, tracking: string, description: string) =>
  Command.make(name, {}, () => Effect.fail(new NotImplementedError({ command: path, tracking }))).pipe(
    Command.withDescription(`${description} (not built yet: ${tracking})`),
    Command.withShortDescription(description)
  )
