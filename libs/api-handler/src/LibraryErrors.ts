import { ApiError } from "@rollwise/api-contract"
import type { DecodeError } from "@rollwise/input-schema"
import type { RiskInputError } from "@rollwise/risk-core"

/**
 * The one mapping of a library's input error to the API's 400, re-rooted at
 * the request field the document came from, so a client reads
 * `policy.weights.lines`, `slo.metrics[0].kind` or `observations[3].total`
 * whichever library found the problem. `root` is that field (default: the
 * error's own `source`, else `body`). With `elements`, the document at
 * `root` is an array read as lines (observations: one NDJSON line per
 * element): an error's 1-based `line` names `root[line − 1]`, and an error
 * without one is about the whole set (a gap between windows), so it names
 * `root` alone.
 */
export const toApiInputError =
  (root?: string, options: { readonly elements?: boolean } = {}) =>
  (error: DecodeError | RiskInputError): ApiError.InputError => {
    if (error._tag === "RiskInputError") {
      const base = root ?? error.source ?? "body"
      return new ApiError.InputError({ field: error.field === undefined ? base : `${base}.${error.field}`, message: error.message })
    }
    const base = root ?? error.source ?? "body"
    const element = error.line === undefined ? base : `${base}[${error.line - 1}]`
    const field = options.elements === true && error.line === undefined ? base : error.path === "" ? element : `${element}.${error.path}`
    return new ApiError.InputError({ field, message: `${field}: ${error.detail}` })
  }
