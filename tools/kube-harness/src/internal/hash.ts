import { Random } from "@rollwise/stats-core"
import { canonical } from "./json.ts"

const ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789"

/** 32-bit FNV-1a of the UTF-8 bytes (stats-core's), the hash Kubernetes uses for pod-template-hash. */
const fnv32a = Random.fnv1a

/**
 * A pod-template-hash as Deployments and Rollouts write it: FNV-1a of the
 * template, printed in decimal and mapped onto k8s' "safe" alphabet (no
 * vowels, so no words), e.g. `7c9d6b5f8`. Stable for equal templates.
 */
export const podTemplateHash = (template: unknown): string =>
  [...String(fnv32a(canonical(template ?? {})))].map((c) => ALPHANUMS[c.charCodeAt(0) % ALPHANUMS.length]).join("")
