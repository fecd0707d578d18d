import { appConfig } from "../../tools/build/tsup.app.ts"

/**
 * Self-contained like the CLI: workspace libs and npm packages are bundled
 * in, Node built-ins stay external. `dist/main.js` runs the server on its
 * own (`node dist/main.js --help`); `dist/index.js` is what `rollwise serve`
 * would load without the source condition.
 */
export default appConfig({ main: "src/main.ts", "analysis-worker": "../../libs/api-server/src/analysisWorker.ts" }, { splitting: true })
