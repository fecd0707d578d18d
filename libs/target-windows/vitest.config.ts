import { defineProject, mergeConfig } from "vitest/config"
import { sharedConfig } from "../../vitest.shared.ts"

// Tests drive real sshd processes, one SSH session per script: generous timeouts on a loaded machine.
export default mergeConfig(sharedConfig, defineProject({ test: { name: "target-windows", testTimeout: 180_000, hookTimeout: 120_000 } }))
