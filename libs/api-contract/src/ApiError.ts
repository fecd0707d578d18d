import { Schema } from "effect"

/**
 * The errors the API answers with, as JSON bodies `{"_tag": …, "message": …}`.
 * Every 4xx names what the client must change; a 5xx is a fault of the
 * server or a dependency, never of the request. Clients match on `_tag`.
 */

/**
 * 400: the request body (or one of its fields) is not what the route takes.
 * `field` names the field as a path from the body's root
 * (`changes.linesAdded`, `observations[3].values[0]`, `slo.metrics[1].kind`);
 * it is absent only when the body as a whole is unusable (not JSON at all).
 */
export class InputError extends Schema.TaggedError<InputError>()(
  "InputError",
  {
    field: Schema.optionalKey(Schema.String),
    message: Schema.String
  },
  { httpApiStatus: 400, description: "The request body or one of its fields is invalid; `field` names it." }
) {}

/** 401: no bearer token, or not the server's token. Carries `WWW-Authenticate: Bearer`. */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()(
  "Unauthorized",
  { message: Schema.String },
  { httpApiStatus: 401, description: "Missing or wrong bearer token." }
) {}

/**
 * 403: the credential is valid but not for this route — the integration
 * token (`ROLLWISE_HOOK_TOKEN`) on a route that needs the operator token.
 */
export class Forbidden extends Schema.TaggedError<Forbidden>()(
  "Forbidden",
  { message: Schema.String },
  { httpApiStatus: 403, description: "The integration token may call only the decision routes integrations use and /metrics." }
) {}

/** 404: no such route, or (for a stored Argo verdict) no such id any more. */
export class NotFound extends Schema.TaggedError<NotFound>()(
  "NotFound",
  { message: Schema.String },
  { httpApiStatus: 404, description: "No such route or resource." }
) {}

/** 413: the body is larger than the server's limit (`bodyLimitBytes`, default 1 MiB). */
export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()(
  "PayloadTooLarge",
  { message: Schema.String, limitBytes: Schema.Int },
  { httpApiStatus: 413, description: "The body exceeds the server's limit." }
) {}

/** 415: a body that is not declared as JSON (`Content-Type: application/json`). */
export class UnsupportedMediaType extends Schema.TaggedError<UnsupportedMediaType>()(
  "UnsupportedMediaType",
  { message: Schema.String },
  { httpApiStatus: 415, description: "Bodies must be JSON." }
) {}

/** 503: not ready (a dependency check failed) or the request ran past the server's timeout. */
export class Unavailable extends Schema.TaggedError<Unavailable>()(
  "Unavailable",
  { message: Schema.String, reasons: Schema.optionalKey(Schema.Array(Schema.String)) },
  { httpApiStatus: 503, description: "Not ready, or the request timed out." }
) {}

/** 500: a bug in the server. The body says nothing more; the server logs the cause. */
export class InternalError extends Schema.TaggedError<InternalError>()(
  "InternalError",
  { message: Schema.String },
  { httpApiStatus: 500, description: "A bug in the server (logged)." }
) {}
