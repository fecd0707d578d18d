import type { Event, Result } from "./Event.ts"
import { handlerFromEnv } from "./Lambda.ts"

export { type Event, EventError, type HttpApiEvent, type RestEvent, type Result, toRequest, toResult } from "./Event.ts"
export { buildCount, type Env, handlerFromEnv, type Handler, LambdaConfigError, makeHandler, type Options, optionsFromEnv, slosFromJson } from "./Lambda.ts"

/**
 * The one handler of this container, built from the environment when the
 * module loads (Lambda's init phase): warm invocations reuse its runtime,
 * metrics and Argo evidence.
 */
const app = handlerFromEnv(process.env)

/**
 * The Lambda entry point (`handler.handler`) for API Gateway REST (v1) and
 * HTTP API (v2) proxy events: the Rollwise API's routes, answered as
 * `{ statusCode, headers, body, isBase64Encoded: false }`.
 */
export const handler = (event: Event, _context?: unknown): Promise<Result> => app.handle(event)
