import { appConfig } from "../../tools/build/tsup.app.ts"

/**
 * Self-contained like apps/http-api: workspace libs and npm packages are
 * bundled in, Node built-ins stay external, so `dist/handler.js` is the whole
 * deployment package (handler name `handler.handler`). No splitting: Lambda
 * loads one file.
 */
export default appConfig({ handler: "src/handler.ts" })
