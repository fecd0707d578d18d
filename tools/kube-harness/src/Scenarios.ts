import type { FakeKube } from "./FakeKube.ts"

/** What an in-flight Argo Rollout looks like. */
export interface RolloutInFlight {
  readonly name: string
  readonly namespace: string
  /** The canary steps (argoproj.io/v1alpha1 shape: setWeight, pause, analysis). */
  readonly steps: ReadonlyArray<Record<string, unknown>>
  /** The stable image, and the one being rolled out. */
  readonly from: string
  readonly to: string
  readonly replicas?: number
  /** A background analysis (`strategy.canary.analysis`: templates, args, startingStep). */
  readonly analysis?: Record<string, unknown>
}

const template = (name: string, image: string) => ({ metadata: { labels: { app: name } }, spec: { containers: [{ name: "app", image }] } })

/**
 * Create an Argo Rollout on `from`, let the controller make it stable, then
 * set its image to `to` (as `kubectl argo rollouts set image` does) and let
 * the controller start the update: it ends paused at its first pause step
 * (or an inconclusive analysis), or wherever a running analysis holds it.
 */
export const argoRolloutInFlight = async (fake: FakeKube, r: RolloutInFlight): Promise<void> => {
  fake.create({
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    metadata: { name: r.name, namespace: r.namespace },
    spec: { replicas: r.replicas ?? 4, selector: { matchLabels: { app: r.name } }, template: template(r.name, r.from), strategy: { canary: { steps: r.steps, ...(r.analysis === undefined ? {} : { analysis: r.analysis }) } } }
  })
  await fake.settle()
  const stored = fake.get("argoproj.io/v1alpha1", "Rollout", r.namespace, r.name)!
  fake.update({ ...stored, spec: { ...(stored["spec"] as object), template: template(r.name, r.to) } })
  await fake.settle()
}
