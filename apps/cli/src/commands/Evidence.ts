import { Effect } from "effect"
import { Argument, Command, Flag } from "effect/cli"

const db = Flag.String("db").pipe(Flag.withDescription("The evidence store: a SQLite file or a postgres:// URL (default: ROLLWISE_EVIDENCE_DB, else .rollwise/evidence.db)"), Flag.optional)

/** The flags of `rollwise evidence list`. */
export const listFlags = {
  db,
  service: Flag.String("service").pipe(Flag.withDescription("Only this service"), Flag.optional),
  module: Flag.String("module").pipe(Flag.withDescription("Only this module"), Flag.optional),
  limit: Flag.Int("limit").pipe(Flag.withDescription("At most this many, newest first (default: 20)"), Flag.withDefault(20))
}
export type ListFlags = Command.Command.Config.Infer<typeof listFlags>

/** The flags of `rollwise evidence show`. */
export const showFlags = {
  db,
  rollout: Argument.String("rollout").pipe(Argument.withDescription("The rollout id (see rollwise evidence list)"))
}
export type ShowFlags = Command.Command.Config.Infer<typeof showFlags>

const artifactoryUrl = Flag.String("url").pipe(
  Flag.withDescription("Artifactory's base URL with its context, e.g. https://acme.jfrog.io/artifactory (default: ROLLWISE_ARTIFACTORY_URL)"),
  Flag.optional
)
const tokenFile = Flag.String("token-file").pipe(
  Flag.withDescription("Read the access token from this file (default: the ROLLWISE_ARTIFACTORY_TOKEN environment variable); sent as a Bearer token, never printed"),
  Flag.optional
)

/** The flags of `rollwise evidence export`. */
export const exportFlags = {
  db,
  from: Flag.Literals("from", ["store", "artifactory"]).pipe(
    Flag.withDescription("store (default): the local evidence store (--db); artifactory: the builds published with rollwise evidence publish, found by AQL"),
    Flag.withDefault("store" as const)
  ),
  url: artifactoryUrl,
  tokenFile,
  format: Flag.Literals("format", ["csv", "jsonl"]).pipe(Flag.withDescription("csv (default) or jsonl, both read by rollwise risk train"), Flag.withDefault("csv" as const)),
  service: Flag.String("service").pipe(Flag.withDescription("Only this service"), Flag.optional),
  out: Flag.String("out").pipe(Flag.withDescription("Write here (atomically) instead of stdout"), Flag.optional)
}
export type ExportFlags = Command.Command.Config.Infer<typeof exportFlags>

const impl = () => import("./impl/Evidence.ts")

/** `rollwise evidence list`. */
export const list = Command.make("list", listFlags, (flags) => Effect.flatMap(Effect.promise(impl), (m) => Effect.scoped(m.runList(flags)))).pipe(
  Command.withDescription("List recorded rollouts, newest first: id, service, target, start, result."),
  Command.withShortDescription("List recorded rollouts, newest first")
)

/** `rollwise evidence show ID`. */
export const show = Command.make("show", showFlags, (flags) => Effect.flatMap(Effect.promise(impl), (m) => Effect.scoped(m.runShow(flags)))).pipe(
  Command.withDescription("Show one rollout's timeline — gates, steps, verdicts, actions, result — from the evidence store; --json prints the whole record."),
  Command.withShortDescription("Show one rollout's timeline: decision, gates, verdicts, actions, result")
)

/** `rollwise evidence export`. */
export const exportHistory = Command.make("export", exportFlags, (flags) => Effect.flatMap(Effect.promise(impl), (m) => Effect.scoped(m.runExport(flags)))).pipe(
  Command.withDescription(
    "Export finished rollouts as the history table `rollwise risk train` reads: one row per rollout with its change's features and the label " +
      "`failed` (0 promoted, 1 rolled back or aborted) — closing the loop from outcomes to the risk model."
  ),
  Command.withShortDescription("Export outcomes as the history table `risk train` reads"),
  Command.withExamples([
    { command: "rollwise evidence export --format csv --out history.csv && rollwise risk train --history history.csv --time finishedAt --out model.json", description: "Learn from your own rollouts" },
    {
      command: "ROLLWISE_ARTIFACTORY_TOKEN=… rollwise evidence export --from artifactory --url https://acme.jfrog.io/artifactory --service checkout --out history.csv",
      description: "The same table from every rollout published to Artifactory"
    }
  ])
)

/** The flags of `rollwise evidence publish`. */
export const publishFlags = {
  db,
  buildName: Flag.String("build-name").pipe(Flag.withDescription("The build-info's name, e.g. the Jenkins job (JOB_NAME)")),
  buildNumber: Flag.String("build-number").pipe(Flag.withDescription("The build-info's number, e.g. BUILD_NUMBER; without --rollout, the rollout recorded with this build number is published")),
  rollout: Flag.String("rollout").pipe(Flag.withDescription("The rollout to publish (see rollwise evidence list); it must have ended"), Flag.optional),
  artifact: Flag.String("artifact").pipe(
    Flag.atLeast(0),
    Flag.withDescription("A deployed artifact as repo/path, repeatable: it gets rollwise.risk, rollwise.strategy, rollwise.result and, when promoted, latest=true (taken from the previous promotion's)")
  ),
  url: artifactoryUrl,
  tokenFile,
  repo: Flag.String("repo").pipe(Flag.withDescription("The generic repository the evidence files go to, under BUILD-NAME/BUILD-NUMBER/ROLLOUT/ (default: rollwise-evidence)"), Flag.withDefault("rollwise-evidence")),
  grafanaUrl: Flag.String("grafana-url").pipe(Flag.withDescription("Grafana's base URL: the build links the Release Compare dashboard (default: ROLLWISE_GRAFANA_URL)"), Flag.optional),
  slo: Flag.File("slo", { mustExist: true }).pipe(Flag.withDescription("slo.yaml for the plots when the rollout did not record one (rollwise rollout records it)"), Flag.optional)
}
export type PublishFlags = Command.Command.Config.Infer<typeof publishFlags>

/** `rollwise evidence publish`: the rollout's evidence as build-info in Artifactory (issue #20). */
export const publish = Command.make("publish", publishFlags, (flags) => Effect.flatMap(Effect.promise(impl), (m) => Effect.scoped(m.runPublish(flags)))).pipe(
  Command.withDescription(
    "Publish a finished rollout's evidence to JFrog Artifactory: the verdict, an HTML report and the plots are deployed under the build (checksum deploy first, " +
      "the bytes only when Artifactory lacks them), the deployed artifacts get rollwise.* properties and latest=true on a promotion, and a build-info carries " +
      "the risk score, strategy, pace, gates, verdict summary, result and the change's features — what rollwise evidence export --from artifactory learns from. " +
      "Auth: an access token from ROLLWISE_ARTIFACTORY_TOKEN or --token-file; 5xx and 429 answers are retried with backoff (Retry-After honoured)."
  ),
  Command.withShortDescription("Publish a rollout's evidence to JFrog Artifactory as build-info"),
  Command.withExamples([
    {
      command:
        "ROLLWISE_ARTIFACTORY_TOKEN=$(cat token) rollwise evidence publish --url https://acme.jfrog.io/artifactory --build-name checkout --build-number 42 --artifact libs-release-local/checkout/2.5.0/checkout-2.5.0.tgz",
      description: "Publish the rollout recorded for build 42 and tag its artifact"
    }
  ])
)
