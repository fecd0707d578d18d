/**
 * Evidence in JFrog Artifactory: a finished rollout published as build-info
 * with Rollwise's properties, its evidence files (verdict, report, plots)
 * deployed under the build, properties on the deployed artifacts (and
 * `latest=true` moved to the promoted ones), and the history of published
 * rollouts read back by AQL as the table `rollwise risk train` learns from.
 */
import type { EvidenceStore } from "@rollwise/rollout-engine"
import { Operator } from "@rollwise/rollout-engine"
import type { SloSpec as SloSpecModule } from "@rollwise/slo-policy"
import { SloSpec } from "@rollwise/slo-policy"
import { Redaction } from "@rollwise/redaction"
import { Context, Effect, Exit, Layer, Redacted } from "effect"
import * as ArtifactoryClient from "./ArtifactoryClient.ts"
import * as BuildInfo from "./BuildInfo.ts"
import { type EvidenceFile, render, windowsOf } from "./internal/report.ts"

/** Where the evidence goes and what it links to, on top of how to reach Artifactory. */
export interface Options extends ArtifactoryClient.Options {
  /** The repository the evidence files are deployed to (default `rollwise-evidence`, a generic local repository). */
  readonly repo?: string
  /** Grafana's base URL: the build links the Release Compare dashboard for the rollout's service and time range. */
  readonly grafanaUrl?: string
}

/** The default evidence repository. */
export const defaultRepo = "rollwise-evidence"

/** The uid of Rollwise's Release Compare dashboard, in the link a published build carries. */
export const dashboardUid = "rollwise-release-compare"

/** A finished rollout: only these are published and learned from. */
export interface Finished extends EvidenceStore.Rollout {
  readonly result: EvidenceStore.Result
  readonly finishedAt: number
}

/** What to publish. */
export interface PublishInput {
  readonly buildName: string
  readonly buildNumber: string
  readonly rollout: Finished
  readonly events: ReadonlyArray<EvidenceStore.Event>
  /** The deployed artifacts, `repo/path` each: they get `rollwise.*` properties, and `latest=true` on a promotion. */
  readonly artifacts?: ReadonlyArray<string>
  /** The SLO spec for the plots when the rollout did not record one (`rollwise rollout` records it). */
  readonly spec?: SloSpecModule.Spec
  /** Rollwise's version, for build-info's agent. */
  readonly agentVersion?: string
}

/** What was published, for `--json` and the person reading the log. */
export interface Published {
  readonly build: { readonly name: string; readonly number: string; readonly started: string; readonly url: string }
  readonly properties: Readonly<Record<string, string>>
  /** The evidence files: where, and whether the bytes were sent (false: a checksum deploy sufficed). */
  readonly evidence: ReadonlyArray<{ readonly path: string; readonly url: string; readonly sha256: string; readonly uploaded: boolean }>
  /** The deployed artifacts and the properties set on them. */
  readonly artifacts: ReadonlyArray<{ readonly path: string; readonly properties: Readonly<Record<string, string>> }>
  /** Artifacts `latest=true` was taken from (the previous promotion's). */
  readonly latestRemovedFrom: ReadonlyArray<string>
  readonly dashboard?: string
}

/** A published rollout as training sees it: the same shape as evidence-store's `EvidenceHistory.Entry`. */
export interface HistoryEntry extends Finished {
  readonly decision?: unknown
}

/** Which published rollouts to read back. */
export interface HistoryFilter {
  readonly service?: string
  readonly module?: string
  readonly limit?: number
}

/** The history, and how many builds carried Rollwise's properties incompletely (left out). */
export interface History {
  readonly entries: ReadonlyArray<HistoryEntry>
  readonly skipped: number
  /** Artifactory's notification when its AQL hard limit trimmed the builds found: the history is incomplete. */
  readonly notice?: string
}

/**
 * Evidence in Artifactory as a service: `publish` one finished rollout,
 * read the `history` of published ones.
 */
export class EvidenceArtifactory extends Context.Service<
  EvidenceArtifactory,
  {
    readonly publish: (input: PublishInput) => Effect.Effect<Published, ArtifactoryClient.ArtifactoryError>
    readonly history: (filter?: HistoryFilter) => Effect.Effect<History, ArtifactoryClient.ArtifactoryError>
  }
>()("rollwise/evidence-artifactory/EvidenceArtifactory") {}

/** The property names Rollwise writes; `feature.<name>` holds each numeric feature of the change. */
export const property = {
  rollout: "rollwise.rollout",
  service: "rollwise.service",
  module: "rollwise.module",
  version: "rollwise.version",
  target: "rollwise.target",
  risk: "rollwise.risk",
  strategy: "rollwise.strategy",
  pace: "rollwise.pace",
  gates: "rollwise.gates",
  verdict: "rollwise.verdict",
  verdicts: "rollwise.verdicts",
  result: "rollwise.result",
  startedAt: "rollwise.startedAt",
  finishedAt: "rollwise.finishedAt",
  dashboard: "rollwise.dashboard",
  evidence: "rollwise.evidence",
  featurePrefix: "rollwise.feature.",
  latest: "latest"
} as const

const record = (value: unknown): Readonly<Record<string, unknown>> => (typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {})

/**
 * Rollwise's build-info properties of a finished rollout, from its record
 * and events alone: identity, the decision (risk score, strategy, pace),
 * the gates, a verdict summary, the result, the times and every numeric
 * feature of the change. Absent facts are left out, never invented.
 */
export const propertiesOf = (rollout: Finished, events: ReadonlyArray<EvidenceStore.Event>): Record<string, string> => {
  const data = record(rollout.data)
  const decision = record(data["decision"])
  const features = record(data["features"])
  const state = Operator.stateOf(events)
  const gates = events.some((e) => e.type === "GatesBlocked") ? "blocked" : events.some((e) => e.type === "GatesPassed") ? "passed" : "not evaluated"
  const analyses = events.flatMap((e) => (e.type === "Analyzed" ? [record(e.data)["action"]] : []))
  const count = (action: string) => analyses.filter((a) => a === action).length
  const { verdicts } = windowsOf(events)
  const risk = decision["risk_score"]
  const strategy = typeof decision["strategy"] === "string" ? decision["strategy"] : state?.plan.strategy
  const out: Record<string, string> = {
    [property.rollout]: rollout.rolloutId,
    [property.service]: rollout.service,
    [property.target]: rollout.target,
    [property.gates]: gates,
    [property.verdicts]: `windows ${verdicts.length}, promote ${count("promote")}, slow ${count("slow")}, rollback ${count("rollback")}`,
    [property.result]: rollout.result,
    [property.startedAt]: new Date(rollout.startedAt).toISOString(),
    [property.finishedAt]: new Date(rollout.finishedAt).toISOString()
  }
  if (rollout.module !== undefined) out[property.module] = rollout.module
  if (rollout.version !== undefined) out[property.version] = rollout.version
  if (typeof risk === "number" && Number.isFinite(risk)) out[property.risk] = String(risk)
  if (strategy !== undefined) out[property.strategy] = strategy
  if (typeof decision["pace"] === "string") out[property.pace] = decision["pace"]
  const lastAction = analyses.at(-1)
  if (typeof lastAction === "string") out[property.verdict] = lastAction
  for (const [name, value] of Object.entries(features)) {
    if (typeof value === "number" && Number.isFinite(value)) out[`${property.featurePrefix}${name}`] = String(value)
  }
  return out
}

/**
 * A published build's properties back to a history entry; undefined when
 * they lack the rollout's identity, result or times (a build Rollwise did
 * not publish, or one edited by hand).
 */
export const entryOf = (properties: Readonly<Record<string, string>>, buildNumber?: string): HistoryEntry | undefined => {
  const rolloutId = properties[property.rollout]
  const service = properties[property.service]
  const result = properties[property.result]
  const startedAt = Date.parse(properties[property.startedAt] ?? "")
  const finishedAt = Date.parse(properties[property.finishedAt] ?? "")
  if (rolloutId === undefined || service === undefined || (result !== "promoted" && result !== "rolled_back" && result !== "aborted") || Number.isNaN(startedAt) || Number.isNaN(finishedAt)) {
    return undefined
  }
  const features: Record<string, number> = {}
  for (const [key, value] of Object.entries(properties)) {
    if (!key.startsWith(property.featurePrefix)) continue
    const n = Number(value)
    if (value.trim() !== "" && Number.isFinite(n)) features[key.slice(property.featurePrefix.length)] = n
  }
  const risk = Number(properties[property.risk])
  const decision = {
    ...(properties[property.risk] !== undefined && Number.isFinite(risk) ? { risk_score: risk } : {}),
    ...(properties[property.strategy] !== undefined ? { strategy: properties[property.strategy] } : {}),
    ...(properties[property.pace] !== undefined ? { pace: properties[property.pace] } : {})
  }
  const module = properties[property.module]
  const version = properties[property.version]
  return {
    rolloutId,
    service,
    ...(module !== undefined ? { module } : {}),
    ...(version !== undefined ? { version } : {}),
    ...(buildNumber !== undefined ? { buildNumber } : {}),
    target: properties[property.target] ?? "",
    startedAt,
    result,
    finishedAt,
    data: { ...(Object.keys(features).length > 0 ? { features } : {}), decision },
    decision
  }
}

/** The AQL that finds published rollouts: builds carrying `rollwise.rollout`, with their properties. */
export const historyQuery = (filter: HistoryFilter = {}): string => {
  const criteria = [
    { [`@${property.rollout}`]: { $match: "*" } },
    ...(filter.service !== undefined ? [{ [`@${property.service}`]: { $eq: filter.service } }] : []),
    ...(filter.module !== undefined ? [{ [`@${property.module}`]: { $eq: filter.module } }] : [])
  ]
  return `builds.find(${JSON.stringify({ $and: criteria })}).include("name","number","started","property.*")`
}

/** The Release Compare dashboard for a rollout: its service and version over its time range. */
export const dashboardUrl = (grafanaUrl: string, rollout: Finished): string => {
  const params = new URLSearchParams({ "var-service": rollout.service, ...(rollout.version !== undefined ? { "var-version": rollout.version } : {}), from: String(rollout.startedAt), to: String(rollout.finishedAt) })
  return `${grafanaUrl.replace(/\/+$/, "")}/d/${dashboardUid}/release-compare?${params.toString()}`
}

/** `repo/path` split; undefined when either part is empty. */
export const splitArtifact = (artifact: string): { readonly repo: string; readonly path: string } | undefined => {
  const i = artifact.indexOf("/")
  const repo = i < 0 ? "" : artifact.slice(0, i)
  const path = i < 0 ? "" : artifact.slice(i + 1).replace(/^\/+/, "")
  return repo === "" || path === "" ? undefined : { repo, path }
}

const typeOf = (name: string) => (name.includes(".") ? name.slice(name.lastIndexOf(".") + 1) : "file")
const baseName = (path: string) => path.slice(path.lastIndexOf("/") + 1)

/** The rollout's recorded SLO spec (`rollwise rollout` keeps it in `data.setup.slo`), when it reads. */
const recordedSpec = (rollout: EvidenceStore.Rollout): SloSpecModule.Spec | undefined => {
  const slo = record(record(rollout.data)["setup"])["slo"]
  if (slo === undefined) return undefined
  const exit = Effect.runSyncExit(SloSpec.decode(slo, "recorded slo"))
  return Exit.isSuccess(exit) ? exit.value : undefined
}

/** Make the service over one Artifactory. */
export const make = (options: Options): EvidenceArtifactory["Service"] => {
  const client = ArtifactoryClient.make(options)
  const repo = options.repo ?? defaultRepo
  const clean = (text: string) => Redaction.redact(text, [Redacted.value(options.token)])

  const publish = Effect.fn("EvidenceArtifactory.publish")(function* (input: PublishInput) {
    const { rollout, events, buildName, buildNumber } = input
    const dashboard = options.grafanaUrl !== undefined ? dashboardUrl(options.grafanaUrl, rollout) : undefined
    const folder = `${buildName}/${buildNumber}/${rollout.rolloutId}`
    const properties: Record<string, string> = {
      ...propertiesOf(rollout, events),
      [property.evidence]: `${client.url}/${ArtifactoryClient.encodePath(`${repo}/${folder}`)}/`,
      ...(dashboard !== undefined ? { [property.dashboard]: dashboard } : {})
    }

    // 1. the evidence files, checksum deploy first, linked to the build by their properties
    const files: ReadonlyArray<EvidenceFile> = render(rollout, events, input.spec ?? recordedSpec(rollout), properties)
    const evidence: Array<Published["evidence"][number] & { readonly name: string; readonly checksums: ArtifactoryClient.Checksums }> = []
    for (const file of files) {
      const path = `${folder}/${file.name}`
      const deployed = yield* client.deploy(repo, path, file.bytes, file.contentType)
      yield* client.setProperties(repo, path, { "build.name": buildName, "build.number": buildNumber, [property.rollout]: rollout.rolloutId })
      evidence.push({ name: file.name, path: `${repo}/${path}`, url: deployed.downloadUri, sha256: deployed.checksums.sha256, uploaded: deployed.uploaded, checksums: deployed.checksums })
    }

    // 2. the deployed artifacts: rollwise.* properties, and latest=true on a promotion
    const promoted = rollout.result === "promoted"
    const artifactProperties: Record<string, string> = {
      [property.rollout]: rollout.rolloutId,
      [property.service]: rollout.service,
      ...(rollout.module !== undefined ? { [property.module]: rollout.module } : {}),
      ...(properties[property.risk] !== undefined ? { [property.risk]: properties[property.risk] } : {}),
      ...(properties[property.strategy] !== undefined ? { [property.strategy]: properties[property.strategy] } : {}),
      [property.result]: rollout.result,
      ...(promoted ? { [property.latest]: "true" } : {})
    }
    const deployed: Array<{ readonly path: string; readonly info: ArtifactoryClient.FileInfo }> = []
    for (const artifact of input.artifacts ?? []) {
      const where = splitArtifact(artifact)
      if (where === undefined) {
        return yield* new ArtifactoryClient.ArtifactoryError({ reason: "BadRequest", request: "--artifact", detail: `expected repo/path, got "${artifact}"` })
      }
      const info = yield* client.fileInfo(where.repo, where.path)
      yield* client.setProperties(where.repo, where.path, artifactProperties)
      deployed.push({ path: `${where.repo}/${where.path}`, info })
    }

    // 3. latest=true leaves the previous promotion's artifacts (set first, then removed: never none)
    const latestRemovedFrom: Array<string> = []
    if (promoted && deployed.length > 0) {
      const current = new Set(deployed.map((d) => d.path))
      const criteria = {
        $and: [
          { [`@${property.latest}`]: { $eq: "true" } },
          { [`@${property.service}`]: { $eq: rollout.service } },
          ...(rollout.module !== undefined ? [{ [`@${property.module}`]: { $eq: rollout.module } }] : [])
        ]
      }
      const previous = yield* client.aql(`items.find(${JSON.stringify(criteria)}).include("repo","path","name")`)
      for (const row of previous.results) {
        const folderPath = String(row["path"] ?? ".")
        const itemPath = folderPath === "." ? String(row["name"]) : `${folderPath}/${String(row["name"])}`
        const full = `${String(row["repo"])}/${itemPath}`
        if (current.has(full)) continue
        yield* client.deleteProperties(String(row["repo"]), itemPath, [property.latest])
        latestRemovedFrom.push(full)
      }
    }

    // 4. the build-info, last: everything it names exists
    const started = BuildInfo.formatDate(rollout.startedAt)
    const buildInfo: BuildInfo.BuildInfo = {
      version: "1.0.1",
      name: buildName,
      number: buildNumber,
      type: "GENERIC",
      started,
      durationMillis: Math.max(0, Math.round(rollout.finishedAt - rollout.startedAt)),
      agent: { name: "rollwise", version: input.agentVersion ?? "" },
      buildAgent: { name: "rollwise", version: input.agentVersion ?? "" },
      ...(dashboard !== undefined ? { url: dashboard } : {}),
      properties,
      modules: [
        {
          id: `rollwise:${rollout.rolloutId}:evidence`,
          type: "generic",
          artifacts: evidence.map((e) => ({ type: typeOf(e.name), name: baseName(e.name), path: e.path, ...e.checksums }))
        },
        ...(deployed.length > 0
          ? [
              {
                id: `rollwise:${rollout.rolloutId}:deployed`,
                type: "generic" as const,
                artifacts: deployed.map((d) => ({ type: typeOf(d.path), name: baseName(d.path), path: d.path, ...d.info.checksums }))
              }
            ]
          : [])
      ]
    }
    yield* client.publishBuild(buildInfo)

    return {
      build: { name: buildName, number: buildNumber, started, url: `${client.url}/api/build/${encodeURIComponent(buildName)}/${encodeURIComponent(buildNumber)}` },
      properties,
      evidence: evidence.map(({ path, url, sha256, uploaded }) => ({ path, url, sha256, uploaded })),
      artifacts: deployed.map((d) => ({ path: d.path, properties: artifactProperties })),
      latestRemovedFrom,
      ...(dashboard !== undefined ? { dashboard } : {})
    } satisfies Published
  })

  const history = Effect.fn("EvidenceArtifactory.history")(function* (filter: HistoryFilter = {}) {
    const answer = yield* client.aql(historyQuery(filter))
    const byRollout = new Map<string, { entry: HistoryEntry; started: string }>()
    let skipped = 0
    for (const row of answer.results) {
      const pairs = Array.isArray(row["build.properties"]) ? (row["build.properties"] as ReadonlyArray<Record<string, unknown>>) : []
      const properties: Record<string, string> = {}
      for (const p of pairs) {
        const key = p["build.property.key"]
        const value = p["build.property.value"]
        if (typeof key === "string" && typeof value === "string") properties[key] = value
      }
      const entry = entryOf(properties, typeof row["build.number"] === "string" ? row["build.number"] : undefined)
      if (entry === undefined) {
        skipped++
        continue
      }
      // one rollout published in several builds counts once: the latest publication
      const started = String(row["build.started"] ?? "")
      const seen = byRollout.get(entry.rolloutId)
      if (seen === undefined || started > seen.started) byRollout.set(entry.rolloutId, { entry, started })
    }
    const entries = [...byRollout.values()]
      .map((v) => v.entry)
      .sort((a, b) => b.startedAt - a.startedAt || (a.rolloutId < b.rolloutId ? 1 : -1))
      .slice(0, filter.limit ?? Number.POSITIVE_INFINITY)
    const notice = answer.range.notification
    return { entries, skipped, ...(typeof notice === "string" && notice !== "" ? { notice: clean(notice) } : {}) } satisfies History
  })

  return EvidenceArtifactory.of({ publish, history })
}

/** The service as a layer. */
export const layer = (options: Options): Layer.Layer<EvidenceArtifactory> => Layer.succeed(EvidenceArtifactory, make(options))
