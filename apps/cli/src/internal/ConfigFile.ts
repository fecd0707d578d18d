import { Config, ConfigProvider, Effect, Layer, Option } from "effect"
import { Flag } from "effect/cli"
import { CliInputError, readYaml } from "./Io.ts"

/**
 * `--config rollwise.yaml`: defaults for command flags, one mapping per
 * command (`changes: {criticality: high}`). A flag given on the command line
 * wins; then the file; then the environment (`ROLLWISE_CHANGES_CRITICALITY`);
 * then the flag's own default.
 *
 * The file must be read before the command line is parsed (the fallbacks are
 * resolved while parsing), so `main` finds `--config` in argv itself.
 */
export const findConfigArg = (argv: ReadonlyArray<string>): string | undefined => {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg === "--") return undefined
    if (arg === "--config") return argv[i + 1]
    if (arg.startsWith("--config=")) return arg.slice("--config=".length)
  }
  return undefined
}

const envProvider = ConfigProvider.constantCase(ConfigProvider.fromEnv()).pipe(ConfigProvider.nested("ROLLWISE"))

/** The config layer: the file (when given and readable) in front of ROLLWISE_* environment variables. */
export const layer = (file: string | undefined) =>
  Layer.unwrap(
    Effect.gen(function* () {
      if (file === undefined) return ConfigProvider.layer(envProvider)
      const doc = yield* readYaml(file)
      if (doc !== null && (typeof doc !== "object" || Array.isArray(doc))) {
        return yield* new CliInputError({ file, detail: "expected a mapping of command names to their defaults" })
      }
      return ConfigProvider.layer(ConfigProvider.orElse(ConfigProvider.fromUnknown(doc ?? {}), envProvider))
    })
  )

/**
 * Let a flag fall back to `<command>.<key>` in the config file (or the
 * environment) when it is not given on the command line.
 */
export const fromConfig =
  <A>(command: string, key: string, config: (name: string) => Config.Config<A>) =>
  (flag: Flag.Flag<A>): Flag.Flag<A> =>
    Flag.withFallbackConfig(flag, Config.nested(config(key), command))

/** The same for an optional flag: absent everywhere stays `None`. */
export const optionalFromConfig =
  <A>(command: string, key: string, config: (name: string) => Config.Config<A>) =>
  (flag: Flag.Flag<A>): Flag.Flag<Option.Option<A>> =>
    Flag.optional(Flag.withFallbackConfig(flag, Config.nested(config(key), command)))
