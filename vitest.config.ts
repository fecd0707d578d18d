import { defineConfig } from "vitest/config"

/**
 * The workspace's vitest "projects" config (what `vitest.workspace.ts` became in
 * vitest 3.2+): `npx vitest` at the root runs every project's own config.
 * Nx runs each project on its own through its `test` target.
 */
export default defineConfig({
  test: {
    projects: ["libs/*/vitest.config.ts", "apps/*/vitest.config.ts", "tools/*/vitest.config.ts", "charts/vitest.config.ts", "jenkins/vitest.config.ts", "grafana/vitest.config.ts", "alertmanager/vitest.config.ts"]
  }
})
