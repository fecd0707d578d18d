import { KubeError } from "./errors.ts"
import type { Obj } from "./json.ts"

/**
 * Just enough of Kubernetes' protobuf encoding to read what the real
 * kubectl and helm send as protobuf: client-go's typed clients write
 * Namespaces, ConfigMaps, Secrets and DeleteOptions that way (`kubectl
 * create namespace|configmap|secret`, helm's release storage). Most else
 * they send is JSON (`kubectl create deployment` is not: it gets a 415). The envelope is `k8s\0` + runtime.Unknown
 * {typeMeta, raw}; field numbers come from k8s.io/api's generated.proto.
 */

interface Field {
  readonly number: number
  readonly varint?: bigint
  readonly bytes?: Uint8Array
}

const fields = (buffer: Uint8Array): ReadonlyArray<Field> => {
  const out: Array<Field> = []
  let i = 0
  const varint = (): bigint => {
    let result = 0n
    let shift = 0n
    for (;;) {
      const byte = buffer[i++]
      if (byte === undefined) throw new Error("truncated varint")
      result |= BigInt(byte & 0x7f) << shift
      if ((byte & 0x80) === 0) return result
      shift += 7n
    }
  }
  while (i < buffer.length) {
    const key = Number(varint())
    const number = key >>> 3
    switch (key & 7) {
      case 0:
        out.push({ number, varint: varint() })
        break
      case 1:
        i += 8
        break
      case 2: {
        const length = Number(varint())
        out.push({ number, bytes: buffer.subarray(i, i + length) })
        i += length
        break
      }
      case 5:
        i += 4
        break
      default:
        throw new Error(`unsupported protobuf wire type ${key & 7}`)
    }
  }
  return out
}

const text = (bytes: Uint8Array | undefined): string => new TextDecoder().decode(bytes ?? new Uint8Array())
const base64 = (bytes: Uint8Array | undefined): string => Buffer.from(bytes ?? new Uint8Array()).toString("base64")
const first = (list: ReadonlyArray<Field>, n: number) => list.find((f) => f.number === n)
const all = (list: ReadonlyArray<Field>, n: number) => list.filter((f) => f.number === n)

const map = (list: ReadonlyArray<Field>, n: number, value: (b: Uint8Array | undefined) => string): Obj | undefined => {
  const entries = all(list, n).map((f) => {
    const entry = fields(f.bytes!)
    return [text(first(entry, 1)?.bytes), value(first(entry, 2)?.bytes)] as const
  })
  return entries.length === 0 ? undefined : Object.fromEntries(entries)
}

const defined = (o: Obj): Obj => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined))

const objectMeta = (bytes: Uint8Array | undefined): Obj => {
  const f = fields(bytes ?? new Uint8Array())
  // proto2 strings are written even when empty: "" means unset
  const str = (n: number) => (first(f, n) === undefined ? undefined : text(first(f, n)?.bytes) || undefined)
  const finalizers = all(f, 14).map((x) => text(x.bytes))
  return defined({
    name: str(1),
    generateName: str(2),
    namespace: str(3),
    resourceVersion: str(6),
    labels: map(f, 11, text),
    annotations: map(f, 12, text),
    finalizers: finalizers.length === 0 ? undefined : finalizers
  })
}

const bool = (f: Field | undefined): boolean | undefined => (f?.varint === undefined ? undefined : f.varint !== 0n)

const unsupported = (what: string): KubeError =>
  new KubeError(
    415,
    "UnsupportedMediaType",
    `the fake API server reads protobuf only for Namespaces, ConfigMaps and Secrets (got ${what}); send JSON`,
    {}
  )

/** Decode a protobuf request body to the JSON object it stands for (Namespace, ConfigMap, Secret, DeleteOptions); otherwise 415. */
export const decodeProtobuf = (body: Uint8Array): Obj => {
  const magic = [0x6b, 0x38, 0x73, 0x00]
  if (!magic.every((b, i) => body[i] === b)) throw unsupported("a body without the k8s envelope")
  const unknown = fields(body.subarray(4))
  const typeMeta = fields(first(unknown, 1)?.bytes ?? new Uint8Array())
  const apiVersion = text(first(typeMeta, 1)?.bytes)
  const kind = text(first(typeMeta, 2)?.bytes)
  const raw = fields(first(unknown, 2)?.bytes ?? new Uint8Array())
  const metadata = objectMeta(first(raw, 1)?.bytes)
  if (kind === "DeleteOptions") {
    const preconditions = fields(first(raw, 2)?.bytes ?? new Uint8Array())
    const policy = first(raw, 4)
    return defined({
      apiVersion,
      kind,
      gracePeriodSeconds: first(raw, 1)?.varint === undefined ? undefined : Number(first(raw, 1)?.varint),
      preconditions:
        first(raw, 2) === undefined
          ? undefined
          : defined({ uid: text(first(preconditions, 1)?.bytes) || undefined, resourceVersion: text(first(preconditions, 2)?.bytes) || undefined }),
      propagationPolicy: policy === undefined ? undefined : text(policy.bytes),
      dryRun: all(raw, 5).length === 0 ? undefined : all(raw, 5).map((f) => text(f.bytes))
    })
  }
  switch (`${apiVersion}/${kind}`) {
    case "v1/Namespace": {
      const finalizers = all(fields(first(raw, 2)?.bytes ?? new Uint8Array()), 1).map((f) => text(f.bytes))
      return defined({ apiVersion, kind, metadata, spec: finalizers.length === 0 ? undefined : { finalizers } })
    }
    case "v1/ConfigMap":
      return defined({ apiVersion, kind, metadata, data: map(raw, 2, text), binaryData: map(raw, 3, base64), immutable: bool(first(raw, 4)) })
    case "v1/Secret":
      return defined({
        apiVersion,
        kind,
        metadata,
        data: map(raw, 2, base64),
        type: text(first(raw, 3)?.bytes) || undefined,
        stringData: map(raw, 4, text),
        immutable: bool(first(raw, 5))
      })
    default:
      throw unsupported(`${apiVersion} ${kind}`)
  }
}
