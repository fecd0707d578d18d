import { Option } from "effect"
import { Flag, GlobalFlag } from "effect/cli"

/**
 * `--json`: machine output on stdout (one JSON document, or NDJSON where a
 * command says so). Progress and diagnostics always go to stderr.
 */
export const Json = GlobalFlag.Setting("json")({
  flag: Flag.Boolean("json").pipe(
    Flag.withDescription("Print JSON on stdout for machines; progress and diagnostics stay on stderr"),
    Flag.withDefault(false)
  )
})

/** `--debug`: on failure, print the full cause (with stack) after the one-line message. */
export const Debug = GlobalFlag.Setting("debug")({
  flag: Flag.Boolean("debug").pipe(
    Flag.withDescription("On failure, also print the full cause and stack trace"),
    Flag.withDefault(false)
  )
})

/** `--config FILE`: a rollwise.yaml with defaults for every command's flags. */
export const ConfigFile = GlobalFlag.Setting("config")({
  flag: Flag.File("config", { mustExist: true }).pipe(
    Flag.withDescription("Read defaults from this rollwise.yaml (flags on the command line win)"),
    Flag.optional
  )
})

/** The global settings every subcommand sees, in one read. */
export interface GlobalOptions {
  readonly json: boolean
  readonly debug: boolean
  readonly config: Option.Option<string>
}
