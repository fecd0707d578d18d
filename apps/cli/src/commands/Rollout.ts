import { Effect } from "effect"
import { Command, Flag } from "effect/cli"
import { sourceFlags } from "./SourceFlags.ts"

const db = Flag.String("db").pipe(Flag.withDescription("The evidence store (default: .rollwise/evidence.db; env ROLLWISE_EVIDENCE_DB)"), Flag.optional)
const by = Flag.String("by").pipe(Flag.withDescription("Who does it, for the record (default: $BUILD_USER_ID, $USER, or \"operator\")"), Flag.optional)
const rolloutId = Flag.String("rollout").pipe(Flag.withDescription("The rollout id (printed by rollwise rollout; see rollwise evidence list)"))

/** The flags of `rollwise rollout`. */
export const rolloutFlags = {
  decision: Flag.String("decision").pipe(Flag.withDescription("strategy.json from `rollwise decide` (its strategy, steps, pauses, approval)"), Flag.optional),
  slo: Flag.String("slo").pipe(Flag.withDescription("slo.yaml: the metrics every step is judged on"), Flag.optional),
  target: Flag.String("target").pipe(
    Flag.withDescription("Where to roll out: k8s (with --rollout NAME or --bluegreen SERVICE --image IMAGE), windows (with --hosts hosts.yaml), arm (with --fleet fleet.yaml), exec:PATH (your hook executable: PATH apply weight 25 | promote | rollback | status), flag:KEY (a feature flag: each step is the share of users that get the new code path, served by rollwise serve --flags-dir to the OpenFeature provider) or simulated (in memory, for trying it out)"),
    Flag.optional
  ),
  kubeconfig: Flag.String("kubeconfig").pipe(Flag.withDescription("With --target k8s: the kubeconfig (default: $KUBECONFIG, ~/.kube/config, or the pod's service account)"), Flag.optional),
  context: Flag.String("context").pipe(Flag.withDescription("With --target k8s: the kubeconfig context (default: its current one)"), Flag.optional),
  namespace: Flag.String("namespace").pipe(Flag.withDescription("With --target k8s: the namespace (default: the context's, else default)"), Flag.optional),
  rollout: Flag.String("rollout").pipe(Flag.withDescription("With --target k8s: drive this Argo Rollout (its own steps set the weights; Rollwise promotes, promotes fully or aborts it)"), Flag.optional),
  bluegreen: Flag.String("bluegreen").pipe(Flag.withDescription("With --target k8s: plain blue/green on this Service and its Deployments <name>-blue and <name>-green (needs --image)"), Flag.optional),
  canary: Flag.String("canary").pipe(Flag.withDescription("With --target k8s: a plain canary: the candidate in <name>-canary beside Deployment <name>, weights on --route (needs --image)"), Flag.optional),
  route: Flag.String("route").pipe(Flag.withDescription("With --canary: where the weights go: httproute/NAME (Gateway API backendRefs) or ingress/NAME (an NGINX canary Ingress)"), Flag.optional),
  deployment: Flag.String("deployment").pipe(Flag.withDescription("With --target k8s: a rolling update of this Deployment in batches (pauses it between batches; needs --image)"), Flag.optional),
  image: Flag.String("image").pipe(Flag.withDescription("With --bluegreen, --canary or --deployment: the candidate's image"), Flag.optional),
  container: Flag.String("container").pipe(Flag.withDescription("The container to set --image on (default: the first)"), Flag.optional),
  hosts: Flag.String("hosts").pipe(Flag.withDescription("With --target windows: hosts.yaml, the IIS/ARR farm (servers, sites, pools, artifact, credentials by reference)"), Flag.optional),
  fleet: Flag.String("fleet").pipe(Flag.withDescription("With --target arm: fleet.yaml, the devices and their OTA manager (Mender, Balena or your own), cohorts and health"), Flag.optional),
  flagsDir: Flag.String("flags-dir").pipe(
    Flag.withDescription("With --target flag:KEY: the flag store folder, where the flag's share of users is written for rollwise serve --flags-dir to serve to applications (default: ROLLWISE_FLAGS_DIR, else .rollwise/flags)"),
    Flag.optional
  ),
  prometheus: Flag.String("prometheus").pipe(Flag.withDescription("Judge the windows with metrics from this Prometheus (queries from slo.yaml; credentials from ROLLWISE_PROMETHEUS_TOKEN, or _USER and _PASSWORD)"), Flag.optional),
  ...sourceFlags,
  simulate: Flag.Literals("simulate", ["healthy", "latency-regression", "error-spike", "crash-loop", "new-error"]).pipe(
    Flag.withDescription("Judge simulated traffic instead of Prometheus: a healthy candidate or one that regresses"),
    Flag.optional
  ),
  targetHealth: Flag.Boolean("target-health").pipe(
    Flag.withDescription("Judge the windows with the target's own health signals instead of Prometheus: with --target arm, each cohort's devices (heartbeats, crashes, install results, KPIs) against the devices not updated yet; with --target windows, the hosts' IIS logs (time-taken, 5xx), pool failures and Event Log errors, candidate servers against the others"),
    Flag.withDefault(false)
  ),
  speed: Flag.Finite("speed").pipe(Flag.withDescription("With --simulate: simulated seconds per real second (default 1)"), Flag.withDefault(1)),
  seed: Flag.Int("seed").pipe(Flag.withDescription("With --simulate: seed of the simulated traffic (default 7)"), Flag.withDefault(7)),
  policy: Flag.String("policy").pipe(Flag.withDescription("policy.yaml (kind: GatePolicy): change window, error budget, OPA checked before the first step; approval above its threshold asked before the full step"), Flag.optional),
  changes: Flag.String("changes").pipe(Flag.withDescription("changes.json from `rollwise changes`: its features are kept with the evidence, so `rollwise evidence export` can train the risk model on this rollout"), Flag.optional),
  id: Flag.String("id").pipe(Flag.withDescription("The rollout id (default: <service>-<version>-<time>)"), Flag.optional),
  service: Flag.String("service").pipe(Flag.withDescription("The service (default: slo.yaml's service)"), Flag.optional),
  module: Flag.String("module").pipe(Flag.withDescription("The module, for the per-module failure history (default: changes.json's module)"), Flag.optional),
  version: Flag.String("version").pipe(Flag.withDescription("The candidate's version"), Flag.optional),
  build: Flag.String("build").pipe(Flag.withDescription("The build number (default: $BUILD_NUMBER, as Jenkins sets it)"), Flag.optional),
  approvalTimeout: Flag.Int("approval-timeout").pipe(Flag.withDescription("Seconds to wait for `rollwise promote` at the flip (default 3600)"), Flag.withDefault(3600)),
  onApprovalTimeout: Flag.Literals("on-approval-timeout", ["rollback", "abort"]).pipe(
    Flag.withDescription("What happens when nobody approves in time (default: rollback)"),
    Flag.withDefault("rollback" as const)
  ),
  timeout: Flag.Int("timeout").pipe(Flag.withDescription("Seconds per Prometheus query (default 10) and, ×60, per hook operation"), Flag.withDefault(10)),
  leaseTtl: Flag.Int("lease-ttl").pipe(
    Flag.withDescription("Seconds the driver's lease lasts without a renewal (default 30; renewed every third of it). A second rollwise rollout --resume of the same rollout is refused (exit 7) until the driver ends or its lease expires"),
    Flag.withDefault(30)
  ),
  resume: Flag.String("resume").pipe(Flag.withDescription("Continue rollout ID from its recorded events (after a crash or a kill): everything else comes from the record"), Flag.optional),
  db
}
export type RolloutFlags = Command.Command.Config.Infer<typeof rolloutFlags>

/** The flags of `rollwise promote`. */
export const promoteFlags = { rollout: rolloutId, by, db }
export type PromoteFlags = Command.Command.Config.Infer<typeof promoteFlags>

/** The flags of `rollwise rollback`. */
export const rollbackFlags = {
  rollout: rolloutId,
  by,
  reason: Flag.String("reason").pipe(Flag.withDescription("Why, for the record (default: \"operator request\")"), Flag.withDefault("operator request")),
  db
}
export type RollbackFlags = Command.Command.Config.Infer<typeof rollbackFlags>

const impl = () => import("./impl/Rollout.ts")

/** `rollwise rollout`. */
export const rollout = Command.make("rollout", rolloutFlags, (flags) => Effect.flatMap(Effect.promise(impl), (m) => Effect.scoped(m.runRollout(flags)))).pipe(
  Command.withDescription(
    "Drive a whole rollout on a target: check the gates, apply each step of the decision, judge its windows against the stable baseline, " +
      "then promote, slow down (a smaller step, a longer pause) or roll back. Every transition is recorded in the evidence store before it is acted on, " +
      "so a killed run continues with --resume ID and never repeats a promote. One process drives a rollout at a time (a lease in the evidence store): " +
      "a second --resume while it runs is refused (exit 7, naming the driver and when its lease expires) and takes over only after it ends or its lease expires. " +
      "Progress on stderr, the outcome on stdout. " +
      "Exits 0 promoted, 11 rolled back, 5 aborted (a gate blocked, or nobody approved in time), 7 driven by another process."
  ),
  Command.withShortDescription("Drive a whole rollout on a target: steps, analysis, promote or rollback"),
  Command.withExamples([
    { command: "rollwise rollout --decision strategy.json --slo slo.yaml --target exec:./deploy-hook.sh --prometheus http://prometheus:9090 --policy policy.yaml", description: "A real rollout through your deploy script" },
    { command: "rollwise rollout --decision strategy.json --slo slo-live.yaml --target k8s --rollout checkout --namespace shop --prometheus http://prometheus:9090", description: "Operate an Argo Rollout, judging each of its pauses" },
    { command: "rollwise rollout --decision strategy.json --slo slo.yaml --target simulated --simulate latency-regression --speed 120", description: "Try it on simulated traffic" },
    { command: "rollwise rollout --decision strategy-arm.json --slo slo-fleet.yaml --target arm --fleet fleet.yaml --target-health", description: "Drive an edge fleet through cohorts, judged by the devices' own health" },
    { command: "rollwise rollout --decision strategy.json --slo slo-windows.yaml --target windows --hosts hosts.yaml --prometheus http://prometheus:9090", description: "An IIS farm over SSH: ARR weights, blue/green or rolling batches" },
    { command: "rollwise rollout --resume checkout-2.5.0-m4x1", description: "Continue after a crash" }
  ])
)

/** `rollwise promote`. */
export const promote = Command.make("promote", promoteFlags, (flags) => Effect.flatMap(Effect.promise(impl), (m) => Effect.scoped(m.runPromote(flags)))).pipe(
  Command.withDescription(
    "Approve a rollout's flip — the step that reaches 100 %, which a risky change (or policy.yaml's approval threshold) holds for a person. " +
      "Recorded in the evidence store; the running `rollwise rollout` goes on within 5 s. Refused (exit 7) after a rollback or abort, " +
      "or when the rollout asks for no approval; approving twice or a promoted rollout changes nothing."
  ),
  Command.withShortDescription("Approve a paused rollout's flip"),
  Command.withExamples([{ command: "rollwise promote --rollout checkout-2.5.0-m4x1 --by alice", description: "Approve the flip" }])
)

/** `rollwise rollback`. */
export const rollback = Command.make("rollback", rollbackFlags, (flags) => Effect.flatMap(Effect.promise(impl), (m) => Effect.scoped(m.runRollback(flags)))).pipe(
  Command.withDescription(
    "Roll a running rollout back now. Recorded in the evidence store; the running `rollwise rollout` rolls the target back within 5 s " +
      "(if it is not running, `rollwise rollout --resume ID` does). Idempotent: a rollout already rolled back or aborted is left as it is. " +
      "Refused (exit 7) once the rollout is promoted: deploy the previous version instead."
  ),
  Command.withShortDescription("Roll a rollout back now"),
  Command.withExamples([{ command: "rollwise rollback --rollout checkout-2.5.0-m4x1 --reason \"pager: checkout 5xx\"", description: "Stop it" }])
)
