import { EvidenceHistory } from "@rollwise/evidence-store"
import { Operator, Timeline } from "@rollwise/rollout-engine"
import { Console, Effect, Option } from "effect"
import { Json } from "../../GlobalFlags.ts"
import { printJson, writeAtomic } from "../../internal/Io.ts"
import { openExisting } from "../../internal/Store.ts"
import { inert, table } from "../../internal/Render.ts"
import type { ExportFlags, ListFlags, ShowFlags } from "../Evidence.ts"

const when = (ms: number | undefined) => (ms === undefined ? "–" : new Date(ms).toISOString().replace("T", " ").slice(0, 19))

export const runList = Effect.fn("cli.evidence.list")(function* (flags: ListFlags) {
  const json = yield* Json
  const store = yield* openExisting(flags.db)
  const rollouts = yield* store.list({
    limit: flags.limit,
    ...Option.match(flags.service, { onNone: () => ({}), onSome: (service) => ({ service }) }),
    ...Option.match(flags.module, { onNone: () => ({}), onSome: (module) => ({ module }) })
  })
  if (json) return yield* printJson(rollouts)
  if (rollouts.length === 0) return yield* Console.log("no rollouts recorded")
  yield* Console.log(table([["rollout", "service", "target", "started", "result"], ...rollouts.map((r) => [r.rolloutId, r.service, r.target, when(r.startedAt), r.result ?? "running"])]))
})

export const runShow = Effect.fn("cli.evidence.show")(function* (flags: ShowFlags) {
  const json = yield* Json
  const store = yield* openExisting(flags.db)
  const { rollout, events } = yield* store.get(flags.rollout)
  if (json) return yield* printJson({ rollout, events })
  const steps = Operator.stateOf(events)?.steps ?? []
  yield* Console.log(
    [
      inert(`${rollout.rolloutId}: ${rollout.service}${rollout.module ? `/${rollout.module}` : ""} ${rollout.version ?? ""} on ${rollout.target}`),
      `started ${when(rollout.startedAt)}, ${rollout.result === undefined ? "still running" : `${rollout.result} at ${when(rollout.finishedAt)}`}`,
      "",
      table([["#", "time", "event", "detail"], ...events.map((e) => [String(e.seq), when(e.at), e.type, Timeline.recordLine(e.type, e.data, steps)])])
    ].join("\n")
  )
})

/** A CSV cell: quoted when it holds a comma, quote or line break. */
const cell = (v: string | number | undefined) => {
  const text = v === undefined ? "" : String(v)
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text
}

export const runExport = Effect.fn("cli.evidence.export")(function* (flags: ExportFlags) {
  const store = yield* openExisting(flags.db)
  const entries = yield* store.history(Option.match(flags.service, { onNone: () => ({}), onSome: (service) => ({ service }) }))
  const rows = EvidenceHistory.rows(entries)
  let text: string
  if (flags.format === "jsonl") {
    text = rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length > 0 ? "\n" : "")
  } else {
    const fixed = ["rollout", "service", "module", "finishedAt"]
    const features = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((k) => !fixed.includes(k) && k !== "failed").sort()
    const header = [...fixed, ...features, "failed"]
    text = [header.join(","), ...rows.map((r) => header.map((h) => cell(r[h])).join(","))].join("\n") + "\n"
  }
  if (Option.isSome(flags.out)) {
    yield* writeAtomic(flags.out.value, text)
    yield* Console.error(`wrote ${rows.length} rollouts to ${flags.out.value} (${entries.length - rows.length} without recorded features left out)`)
  } else {
    yield* Console.log(text.trimEnd())
  }
})
