import { GitChanges } from "@rollwise/changes-git"
import { Console, DateTime, Effect, Option, Path } from "effect"
import { Json } from "../../GlobalFlags.ts"
import { printJson, readText, writeAtomic } from "../../internal/Io.ts"
import type { ChangesFlags } from "../Changes.ts"

const optionalText = (file: Option.Option<string>) =>
  Option.match(file, {
    onNone: () => Effect.succeed(undefined),
    onSome: (name) => Effect.map(readText(name), (text) => ({ name, text }))
  })


/**
 * `rollwise changes`: the ChangeSet (changes.json) for a git range — what the
 * risk scorer reads. Git supplies line, file, dependency and coverage facts;
 * flags supply what git cannot know (criticality, load, deploy time).
 */
/** The `changes` handler, loaded on demand. */
export const runChanges = Effect.fn("cli.changes")(function* (flags: ChangesFlags) {
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

