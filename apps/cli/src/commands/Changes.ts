import { GitChanges } from "@rollwise/changes-git"
import { Config, Console, DateTime, Effect, Option, Path } from "effect"
import { Command, Flag } from "effect/cli"
import { Json } from "../GlobalFlags.ts"
import { fromConfig, optionalFromConfig } from "../internal/ConfigFile.ts"
import { printJson, readText, writeAtomic } from "../internal/Io.ts"

const optionalText = (file: Option.Option<string>) =>
  Option.match(file, {
    onNone: () => Effect.succeed(undefined),
    onSome: (name) => Effect.map(readText(name), (text) => ({ name, text }))
  })

const criticalities = ["low", "medium", "high", "critical"] as const

/**
 * `rollwise changes`: the ChangeSet (changes.json) for a git range — what the
 * risk scorer reads. Git supplies line, file, dependency and coverage facts;
 * flags supply what git cannot know (criticality, load, deploy time).
 */
export const changes = Command.make(
  "changes",
  {
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
  },
  Effect.fn("cli.changes")(function* (flags) {
    const json = yield* Json
    const coverageBefore = yield* optionalText(flags.coverageBefore)
    const coverageAfter = yield* optionalText(flags.coverageAfter)
    const collected = yield* GitChanges.collect({
      repo: (yield* Path.Path).resolve(flags.repo),
      base: flags.base,
      head: flags.head,
      ...Option.match(flags.service, { onNone: () => ({}), onSome: (service) => ({ service }) }),
      ...Option.match(flags.module, { onNone: () => ({}), onSome: (module) => ({ module }) }),
      ...(coverageBefore !== undefined ? { coverageBefore } : {}),
      ...(coverageAfter !== undefined ? { coverageAfter } : {})
    })
    const deployTime = Option.isSome(flags.deployTime)
      ? flags.deployTime.value
      : DateTime.formatIso(yield* DateTime.now)
    const changeSet = {
      schemaVersion: 1,
      ...collected.changeSet,
      criticality: flags.criticality,
      currentQps: flags.qps,
      deployTime,
      extra: {}
    }
    const document = JSON.stringify(changeSet, null, 2) + "\n"
    if (Option.isSome(flags.out)) {
      yield* writeAtomic(flags.out.value, document)
    }
    if (json) {
      return yield* printJson(changeSet)
    }
    if (Option.isNone(flags.out)) {
      return yield* Console.log(document.trimEnd())
    }
    const bumps = changeSet.dependencyBumps.map((b) => `${b.name} ${b.from}→${b.to}`).join(", ") || "none"
    yield* Console.log(
      [
        `wrote ${flags.out.value}`,
        `  service       ${changeSet.service} (module ${changeSet.module})`,
        `  lines         +${changeSet.linesAdded} -${changeSet.linesDeleted} in ${changeSet.filesChanged} files`,
        `  dependencies  ${bumps}`,
        `  coverage      ${changeSet.coverageDelta === undefined ? "not given" : `${changeSet.coverageDelta >= 0 ? "+" : ""}${changeSet.coverageDelta} pp`}`,
        `  history       ${changeSet.moduleHistory.deploys} deploys, ${changeSet.moduleHistory.failures} failures`
      ].join("\n")
    )
  })
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
