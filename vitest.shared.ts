import { defineConfig } from "vitest/config"

/**
 * The vitest settings every project shares. Projects import this from their own
 * `vitest.config.ts` so that a project runs alone (`nx test stats-core`) or with
 * the rest (`vitest.config.ts` at the root lists them all as `projects`).
 *
 * `@rollwise/source` is the export condition under which each workspace lib
 * points at its TypeScript source, so tests never need a build first.
 */
export const sharedConfig = defineConfig({
  resolve: {
    conditions: ["@rollwise/source"]
  },
  ssr: {
    resolve: {
      conditions: ["@rollwise/source"]
    }
  },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
    testTimeout: 30_000,
    passWithNoTests: false
  }
})
