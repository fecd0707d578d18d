import { describe, expect, it } from "vitest"
import { BlueGreen } from "../src/index.ts"

describe("BlueGreen.rolledOut (pure; what kubectl rollout status waits for)", () => {
  const d = (generation: number, status: Record<string, number>) => ({ metadata: { generation }, spec: { replicas: 3, selector: {}, template: {} }, status })
  it("needs the observed generation and every replica updated and available, no old ones left", () => {
    expect(BlueGreen.rolledOut(d(2, { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }))).toBe(true)
    expect(BlueGreen.rolledOut(d(3, { observedGeneration: 2, replicas: 3, updatedReplicas: 3, availableReplicas: 3 }))).toBe(false)
    expect(BlueGreen.rolledOut(d(2, { observedGeneration: 2, replicas: 4, updatedReplicas: 3, availableReplicas: 3 }))).toBe(false)
    expect(BlueGreen.rolledOut(d(2, { observedGeneration: 2, replicas: 3, updatedReplicas: 2, availableReplicas: 3 }))).toBe(false)
  })
})
