import { ArtifactoryClient, EvidenceArtifactory } from "@rollwise/evidence-artifactory"
import { EvidenceHistory } from "@rollwise/evidence-store"
import { Operator, Timeline } from "@rollwise/rollout-engine"
import { SloSpec } from "@rollwise/slo-policy"
import { Console, Effect, Option, Redacted } from "effect"
import packageJson from "../../../package.json" with { type: "json" }
import { Json } from "../../GlobalFlags.ts"
import { CliInputError, note, printJson, readText, readYaml, writeAtomic } from "../../internal/Io.ts"
import { openExisting, pathOf } from "../../internal/Store.ts"
import { inert, table } from "../../internal/Render.ts"
import type { ExportFlags, ListFlags, PublishFlags, ShowFlags } from "../Evidence.ts"

const when = (ms: number | undefined) => (ms === undefined ? "–" : new Date(ms).toISOString().replace("T", " ").slice(0, 19))

export const runList = Effect.fn("cli.evidence.list")(function* (flags: ListFlags) {
  const json = yield* Json
  const store = yield* openExisting(pathOf(flags.db))
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
  const store = yield* openExisting(pathOf(flags.db))
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

/**
 * Where Artifactory is and the token to use: `--url` or ROLLWISE_ARTIFACTORY_URL;
 * `--token-file` or ROLLWISE_ARTIFACTORY_TOKEN. The token stays Redacted.
 */
const artifactoryOptions = (flags: { readonly url: Option.Option<string>; readonly tokenFile: Option.Option<string> }) =>
  Effect.gen(function* () {
    const envUrl = process.env["ROLLWISE_ARTIFACTORY_URL"]
    const url = Option.getOrElse(flags.url, () => envUrl ?? "")
    if (url === "") return yield* new CliInputError({ file: "--url", detail: "no Artifactory URL: give --url https://HOST/artifactory or set ROLLWISE_ARTIFACTORY_URL" })
    if (!/^https?:\/\/[^/]/.test(url)) return yield* new CliInputError({ file: "--url", detail: `expected an http(s) URL like https://acme.jfrog.io/artifactory, got ${JSON.stringify(url.replace(/\/\/[^/@]*@/, "//***@"))}` })
    let token: string
    if (Option.isSome(flags.tokenFile)) {
      token = (yield* readText(flags.tokenFile.value)).trim()
      if (token === "") return yield* new CliInputError({ file: flags.tokenFile.value, detail: "the token file is empty" })
    } else {
      token = (process.env["ROLLWISE_ARTIFACTORY_TOKEN"] ?? "").trim()
      if (token === "") return yield* new CliInputError({ file: "ROLLWISE_ARTIFACTORY_TOKEN", detail: "no access token: set ROLLWISE_ARTIFACTORY_TOKEN or give --token-file FILE" })
    }
    return { url, token: Redacted.make(token) } satisfies ArtifactoryClient.Options
  })

/** The history table as CSV or JSONL text. */
const historyText = (rows: ReadonlyArray<EvidenceHistory.Row>, format: "csv" | "jsonl"): string => {
  if (format === "jsonl") return rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length > 0 ? "\n" : "")
  const fixed = ["rollout", "service", "module", "finishedAt"]
  const features = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((k) => !fixed.includes(k) && k !== "failed").sort()
  const header = [...fixed, ...features, "failed"]
  return [header.join(","), ...rows.map((r) => header.map((h) => cell(r[h])).join(","))].join("\n") + "\n"
}

export const runExport = Effect.fn("cli.evidence.export")(function* (flags: ExportFlags) {
  const filter = Option.match(flags.service, { onNone: () => ({}), onSome: (service) => ({ service }) })
  let entries: ReadonlyArray<EvidenceHistory.Entry>
  let source: string
  if (flags.from === "artifactory") {
    const options = yield* artifactoryOptions(flags)
    const history = yield* EvidenceArtifactory.make(options).history(filter)
    entries = history.entries
    source = `Artifactory (${history.skipped} builds without complete rollwise properties left out)`
    if (history.notice !== undefined) yield* note(`warning: the history is incomplete: Artifactory says "${history.notice}"`)
  } else {
    const store = yield* openExisting(pathOf(flags.db))
    entries = yield* store.history(filter)
    source = pathOf(flags.db)
  }
  const rows = EvidenceHistory.rows(entries)
  const text = historyText(rows, flags.format)
  if (Option.isSome(flags.out)) {
    yield* writeAtomic(flags.out.value, text)
    yield* Console.error(`wrote ${rows.length} rollouts to ${flags.out.value} from ${source} (${entries.length - rows.length} without recorded features left out)`)
  } else {
    yield* Console.log(text.trimEnd())
  }
})

/** The rollout to publish: the one named, else the only one recorded with the build number. */
const chooseRollout = (store: { readonly list: (filter?: { readonly limit?: number }) => Effect.Effect<ReadonlyArray<{ readonly rolloutId: string; readonly buildNumber?: string }>, unknown> }, flags: PublishFlags) =>
  Effect.gen(function* () {
    if (Option.isSome(flags.rollout)) return flags.rollout.value
    const matching = (yield* store.list()).filter((r) => r.buildNumber === flags.buildNumber)
    if (matching.length === 1) return matching[0]!.rolloutId
    return yield* new CliInputError({
      file: "--rollout",
      detail:
        matching.length === 0
          ? `no rollout recorded with build number ${JSON.stringify(flags.buildNumber)} in ${pathOf(flags.db)}; name one with --rollout ID (see rollwise evidence list)`
          : `${matching.length} rollouts recorded with build number ${JSON.stringify(flags.buildNumber)} (${matching.map((r) => r.rolloutId).join(", ")}); choose one with --rollout ID`
    })
  })

export const runPublish = Effect.fn("cli.evidence.publish")(function* (flags: PublishFlags) {
  const json = yield* Json
  const connection = yield* artifactoryOptions(flags)
  for (const artifact of flags.artifact) {
    if (EvidenceArtifactory.splitArtifact(artifact) === undefined) return yield* new CliInputError({ file: "--artifact", detail: `expected repo/path, got ${JSON.stringify(artifact)}` })
  }
  const sloFile = Option.getOrUndefined(flags.slo)
  const spec = sloFile !== undefined ? yield* Effect.flatMap(readYaml(sloFile), (doc) => SloSpec.decode(doc, sloFile)) : undefined
  const store = yield* openExisting(pathOf(flags.db))
  const rolloutId = yield* chooseRollout(store, flags)
  const { rollout, events } = yield* store.get(rolloutId)
  if (rollout.result === undefined || rollout.finishedAt === undefined) {
    return yield* new CliInputError({ file: `rollout ${rolloutId}`, detail: "it has not ended yet; publish it once it is promoted, rolled back or aborted" })
  }
  const grafanaUrl = Option.getOrElse(flags.grafanaUrl, () => process.env["ROLLWISE_GRAFANA_URL"] ?? "")
  const service = EvidenceArtifactory.make({ ...connection, repo: flags.repo, ...(grafanaUrl !== "" ? { grafanaUrl } : {}) })
  const published = yield* service.publish({
    buildName: flags.buildName,
    buildNumber: flags.buildNumber,
    rollout: { ...rollout, result: rollout.result, finishedAt: rollout.finishedAt },
    events,
    artifacts: flags.artifact,
    ...(spec !== undefined ? { spec } : {}),
    agentVersion: packageJson.version
  })
  if (json) return yield* printJson({ rollout: rolloutId, result: rollout.result, ...published })
  const uploaded = published.evidence.filter((e) => e.uploaded).length
  yield* note(`published ${rolloutId} (${rollout.result}) as build ${flags.buildName} #${flags.buildNumber}`)
  yield* Console.log(
    [
      inert(`build: ${published.build.url}`),
      inert(`evidence: ${published.evidence.length} files under ${flags.repo}/${flags.buildName}/${flags.buildNumber}/${rolloutId}/ (${uploaded} uploaded, ${published.evidence.length - uploaded} already in Artifactory by checksum)`),
      ...published.evidence.map((e) => inert(`  ${e.path}`)),
      inert(
        `properties: ${Object.entries(published.properties)
          .filter(([k]) => !k.startsWith(EvidenceArtifactory.property.featurePrefix) && k !== EvidenceArtifactory.property.evidence)
          .map(([k, v]) => `${k}=${v}`)
          .join(" ")}`
      ),
      ...published.artifacts.map((a) => inert(`artifact ${a.path}: ${Object.entries(a.properties).map(([k, v]) => `${k}=${v}`).join(" ")}`)),
      ...(published.latestRemovedFrom.length > 0 ? [inert(`latest=true removed from: ${published.latestRemovedFrom.join(", ")}`)] : []),
      ...(published.dashboard !== undefined ? [inert(`dashboard: ${published.dashboard}`)] : [])
    ].join("\n")
  )
})
