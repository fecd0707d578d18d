import { ApiError } from "@rollwise/api-contract"
import type { InputError } from "@rollwise/input-schema"
import type { RiskInputError } from "@rollwise/risk-core"

/**
 * The one mapping of a library's input error to the API's 400, re-rooted at
 * the request field the document came from, so a client reads
 * `policy.weights.lines`, `slo.metrics[0].kind` or `observations[3].total`
 * whichever library found the problem. `root` is that field (default: the
 * error's own `source`, else `body`). An input-schema error's `line` is an
 * array element (one NDJSON line per element, 1-based): `root[line − 1]`.
 */
export const toApiInputError =
  (root?: string) =>
  (error: InputError | RiskInputError): ApiError.InputError => {
    if (error._tag === "RiskInputError") {
      const base = root ?? error.source ?? "body"
      return new ApiError.InputError({ field: error.field === undefined ? base : `${base}.${error.field}`, message: error.message })
    }
    const base = root ?? error.source ?? "body"
    const element = error.line === undefined ? base : `${base}[${error.line - 1}]`
    const field = error.path === "" ? element : `${element}.${error.path}`
    return new ApiError.InputError({ field, message: `${field}: ${error.detail}` })
  }
