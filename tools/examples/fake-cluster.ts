/**
 * A fake Kubernetes API server with an Argo Rollout mid-update, for the
 * README's `rollwise rollout --target k8s` example when no cluster is at hand:
 *
 *   npx tsx --conditions=@rollwise/source tools/examples/fake-cluster.ts
 *
 * It starts the test harness' fake API server on 127.0.0.1 (the REST subset
 * target-k8s uses, with an Argo Rollouts controller), creates Rollout
 * shop/checkout (steps 10 → 25 → 50 → 100 with pauses), sets its image to
 * 2.5.0 so the update is in flight, writes a kubeconfig to
 * .rollwise/kubeconfig and stays up until Ctrl-C. Real clients work
 * against it: `kubectl --kubeconfig .rollwise/kubeconfig get rollouts.argoproj.io`.
 */
import { argoRolloutInFlight, startFakeKube } from "@rollwise/kube-harness"

const fake = await startFakeKube({ pauseScale: 0.01 })
await argoRolloutInFlight(fake, {
  name: "checkout",
  namespace: "shop",
  replicas: 5,
  from: "shop/checkout:2.4.0",
  to: "shop/checkout:2.5.0",
  steps: [{ setWeight: 10 }, { pause: {} }, { setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: {} }]
})
const kubeconfig = fake.writeKubeconfig(".rollwise", { namespace: "shop" })
console.log(`fake API server at ${fake.url}; Rollout shop/checkout is paused at 10 % on its way to shop/checkout:2.5.0`)
console.log(`kubeconfig: ${kubeconfig}`)
console.log(`try: npx rollwise rollout --decision examples/strategy.json --slo examples/slo.yaml --target k8s --kubeconfig ${kubeconfig} --rollout checkout --simulate healthy --speed 600`)
console.log("Ctrl-C stops it.")
const stop = () => void fake.close().then(() => process.exit(0))
process.on("SIGINT", stop)
process.on("SIGTERM", stop)
