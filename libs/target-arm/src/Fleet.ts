/**
 * The fleet file (`fleet.yaml`, `rollwise rollout --target arm --fleet
 * fleet.yaml`): which OTA manager holds the devices, which artifacts are the
 * candidate and the stable one, which devices may be touched, when a cohort
 * has failed to install, and how device health is read. Credentials are
 * never in the file: it names the environment variable that holds them.
 */
import { Decode, type DecodeError } from "@rollwise/input-schema"
import { type Effect, Effect as E, Schema } from "effect"

const withDefault = <S extends Schema.Top>(schema: S, value: S["Encoded"]) => schema.pipe(Schema.withDecodingDefaultKey(E.succeed(value)))

const Url = Schema.String.check(Schema.isPattern(/^https?:\/\/[^\s/@]+(\/\S*)?$/, { expected: "an http(s) URL without credentials (https://host/path)" }))
const EnvName = Schema.String.check(Schema.isPattern(/^[A-Z_][A-Z0-9_]*$/, { expected: "an environment variable name (UPPER_CASE)" }))
const Percent = Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 100 }))
const Seconds = Schema.Finite.check(Schema.isGreaterThan(0))
const NonEmpty = Schema.String.check(Schema.isMinLength(1))

/** Mender (hosted or on-premise): the management API with a personal access token or a JWT. */
export const Mender = Schema.Struct({
  /** The server, e.g. `https://hosted.mender.io` (the API paths are added). */
  url: Url,
  /** The variable holding the token (default `ROLLWISE_MENDER_TOKEN`), sent as `Authorization: Bearer`. */
  tokenEnv: withDefault(EnvName, "ROLLWISE_MENDER_TOKEN"),
  /** Only devices of this static or dynamic group (inventory `group` attribute). */
  group: Schema.optionalKey(NonEmpty),
  /** Inventory attribute names the devices report health under (defaults: `rollwise_crashes`, `rollwise_kpi_<name>`). */
  crashesAttribute: withDefault(NonEmpty, "rollwise_crashes"),
  kpiAttributePrefix: withDefault(NonEmpty, "rollwise_kpi_")
})

/** Balena (balenaCloud or openBalena): the fleet's devices pinned to a release through the HTTP API (pine v7). */
export const Balena = Schema.Struct({
  /** The API, default `https://api.balena-cloud.com`. */
  url: withDefault(Url, "https://api.balena-cloud.com"),
  /** The fleet (application) id. */
  application: Schema.Int.check(Schema.isGreaterThan(0)),
  /** The variable holding the API key (default `ROLLWISE_BALENA_TOKEN`). */
  tokenEnv: withDefault(EnvName, "ROLLWISE_BALENA_TOKEN")
})

/** Your own OTA service speaking Rollwise's generic OTA contract (see the README). */
export const Http = Schema.Struct({
  /** The contract's base URL, e.g. `https://ota.example.com/rollwise/v1`. */
  url: Url,
  /** The variable holding the bearer token (default `ROLLWISE_OTA_TOKEN`). */
  tokenEnv: withDefault(EnvName, "ROLLWISE_OTA_TOKEN")
})

/** An in-process simulated fleet (the demo; trying a fleet file without devices). */
export const Simulated = Schema.Struct({
  devices: Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 1_000_000 })),
  seed: withDefault(Schema.Int, 1),
  /** A hardware revision on which the candidate fails to install. */
  badHardware: Schema.optionalKey(NonEmpty),
  /** Share of devices with flaky connectivity, 0–1. */
  flaky: withDefault(Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 })), 0)
})

/** Exactly one OTA manager. */
export const Manager = Schema.Union([
  Schema.Struct({ mender: Mender }),
  Schema.Struct({ balena: Balena }),
  Schema.Struct({ http: Http }),
  Schema.Struct({ simulated: Simulated })
])

/** @see {@link Manager} */
export type Manager = typeof Manager.Type

/** The whole fleet.yaml (`apiVersion: rollwise/v1`, `kind: Fleet`). */
export const Fleet = Schema.Struct({
  apiVersion: Schema.Literal("rollwise/v1"),
  kind: Schema.Literal("Fleet"),
  /** The fleet's name (describe, deployment names). */
  name: Schema.String.check(Schema.isPattern(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, { expected: "a name of letters, digits, '.', '_' or '-' (up to 63)" })),
  manager: Manager,
  artifact: Schema.Struct({
    /**
     * What the rollout installs: a Mender artifact name, a Balena release
     * commit, your service's artifact id. `{version}` is replaced by the
     * rollout's version.
     */
    candidate: NonEmpty,
    /** What a rollback reinstalls: the last stable artifact. */
    stable: NonEmpty
  }),
  devices: withDefault(
    Schema.Struct({
      /** For each tag, the values allowed (`region: [eu-west]`, `hardware: [rev-c]`, `tier: [internal, beta]`); a device without the tag is left out. */
      filters: withDefault(Schema.Record(Schema.String, Schema.Array(Schema.String)), {}),
      /** Device ids never touched. */
      exclude: withDefault(Schema.Array(NonEmpty), [])
    }),
    {}
  ),
  install: withDefault(
    Schema.Struct({
      /** A cohort where more than this percent of its devices fail to install fails, whatever its KPIs. */
      maxFailurePercent: withDefault(Percent, 10),
      /** How long a step waits for its devices to install (capped by the rollout's target timeout). */
      waitSeconds: withDefault(Seconds, 600),
      /** How often it asks the manager for progress. */
      pollSeconds: withDefault(Seconds, 10)
    }),
    {}
  ),
  health: withDefault(
    Schema.Struct({
      /** A device not heard from for this long is offline: nodata, never healthy. */
      offlineAfterSeconds: withDefault(Seconds, 600),
      /** Fewest online devices for a track's sample; fewer is nodata. */
      minDevices: withDefault(Schema.Int.check(Schema.isGreaterThan(0)), 5),
      /** The device-reported KPIs the health source exposes as `kpi:<name>`. */
      kpis: withDefault(Schema.Array(NonEmpty), [])
    }),
    {}
  )
})

/** @see {@link Fleet} */
export type Fleet = typeof Fleet.Type

/** Decode a fleet document (parsed YAML or JSON): one error naming the first bad field. */
export const decode = (document: unknown, source = "fleet.yaml"): Effect.Effect<Fleet, DecodeError> => Decode.decode(Fleet, { source })(document)

/** Which manager a fleet names. */
export const managerKind = (manager: Manager): "mender" | "balena" | "http" | "simulated" =>
  "mender" in manager ? "mender" : "balena" in manager ? "balena" : "http" in manager ? "http" : "simulated"

/** The candidate artifact for a rollout's version (`{version}` replaced). */
export const candidateArtifact = (fleet: Fleet, version: string | undefined): string => fleet.artifact.candidate.replaceAll("{version}", version ?? "")
