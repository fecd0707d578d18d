/**
 * The Rollwise HTTP API server. `makeServer(options)` is the server as a
 * layer; `serve(options)` runs it until interrupted (SIGTERM, SIGINT) from
 * flags and environment, as `rollwise serve` does; `serveCommand` is that
 * subcommand, ready to add to the CLI's command tree.
 *
 * @since 0.1.0
 */
export { makeServer, opaGateway, ServerConfigError, validate, type OpaOptions, type ServerOptions } from "./Server.ts"
export { loadSlos, noMetricSource, resolveOptions, serve, serveCommand, serveFlags, type Env, type ServeFlags } from "./Serve.ts"
export { hookTokenProblem, isLoopback, tokenChecker } from "./internal/auth.ts"
export { jsonLines } from "./internal/logger.ts"
