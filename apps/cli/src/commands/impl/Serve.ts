import { serve, type ServeFlags } from "@rollwise/api-server"

/** The `serve` handler, loaded on demand: the server from @rollwise/api-server, the same one apps/http-api runs. */
export const runServe = (flags: ServeFlags) => serve(flags)
