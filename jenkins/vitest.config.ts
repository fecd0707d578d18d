import { defineProject, mergeConfig } from "vitest/config"
import { sharedConfig } from "../vitest.shared.ts"

// the Groovy runs start a JVM each: generous time on a loaded 2-core CI machine
export default mergeConfig(sharedConfig, defineProject({ test: { name: "jenkins", testTimeout: 180_000, hookTimeout: 180_000 } }))
