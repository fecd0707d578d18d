import { Config, Effect } from "effect"
import { Command, Flag } from "effect/cli"
import { fromConfig, optionalFromConfig } from "../internal/ConfigFile.ts"

const criticalities = ["low", "medium", "high", "critical"] as const

/** The flags of `rollwise changes`. */
export const changesFlags = {
    base: Flag.String("base").pipe(Flag.withDescription("The last deployed revision (tag, branch or commit)")),
    head: Flag.String("head").pipe(Flag.withDescription("The revision to deploy (default: HEAD)"), Flag.withDefault("HEAD")),
    repo: Flag.Directory("repo", { mustExist: true }).pipe(
      Flag.withDescription("The git repository's working directory (default: .)"),
      Flag.withDefault(".")
    ),
    coverageBefore: Flag.File("coverage-before", { mustExist: true }).pipe(
      Flag.withDescription("Coverage report of the base revision (lcov, Cobertura XML or JaCoCo XML)"),
      Flag.optional
    ),
    coverageAfter: Flag.File("coverage-after", { mustExist: true }).pipe(
      Flag.withDescription("Coverage report of the head revision"),
      Flag.optional
    ),
    service: Flag.String("service").pipe(
      Flag.withDescription("Service name (default: the repository folder's name)"),
      optionalFromConfig("changes", "service", Config.String)
    ),
    module: Flag.String("module").pipe(
      Flag.withDescription("Module within the service (default: the top-level folder with the most changed lines)"),
      optionalFromConfig("changes", "module", Config.String)
    ),
    criticality: Flag.Literals("criticality", criticalities).pipe(
      Flag.withDescription("How much the service matters (default: medium)"),
      fromConfig("changes", "criticality", (key) => Config.Literals(criticalities, key)),
      Flag.withDefault("medium" as const)
    ),
    qps: Flag.Finite("qps").pipe(
      Flag.withDescription("Current requests per second of the service (default: 0)"),
      fromConfig("changes", "qps", Config.Finite),
      Flag.withDefault(0)
    ),
    deployTime: Flag.String("deploy-time").pipe(
      Flag.withDescription("When the deploy will run, ISO 8601 (default: now)"),
      Flag.optional
    ),
    out: Flag.String("out").pipe(Flag.withDescription("Write changes.json here (atomically) instead of stdout"), Flag.optional)
  }

/** The parsed flags of `rollwise changes`. */
export type ChangesFlags = Command.Command.Config.Infer<typeof changesFlags>

/** `rollwise changes`; its implementation is loaded when it runs, so start-up stays light. */
export const changes = Command.make("changes", changesFlags, (flags) =>
  Effect.flatMap(Effect.promise(() => import("./impl/Changes.ts")), (m) => m.runChanges(flags))
).pipe(
  Command.withDescription(
    "Collect a ChangeSet (changes.json) from a git range: lines and files changed (git diff --numstat), " +
      "dependency bumps from package.json/lockfile, pom.xml, go.mod, requirements.txt/pyproject.toml and *.csproj, " +
      "and the coverage delta from two lcov, Cobertura or JaCoCo reports."
  ),
  Command.withShortDescription("Collect a ChangeSet (changes.json) from a git range"),
  Command.withExamples([
    { command: "rollwise changes --base v1.4.0 --out changes.json", description: "Everything since the last release tag" },
    {
      command: "rollwise changes --base origin/main --coverage-before base/lcov.info --coverage-after lcov.info --criticality high --json",
      description: "With a coverage delta, as JSON on stdout"
    }
  ])
)
