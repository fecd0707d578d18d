import { spawnSync } from "node:child_process"
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { binaries, helmEnv } from "@rollwise/kube-harness"
import { parseAllDocuments } from "yaml"

/** The folder holding both charts (charts/). */
export const chartsRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..")
/** The repository root. */
export const repoRoot = join(chartsRoot, "..")
/** The rollwise chart. */
export const rollwiseChart = join(chartsRoot, "rollwise")
/** The canary-service example chart. */
export const canaryServiceChart = join(chartsRoot, "examples", "canary-service")
/** The integration guide: docs/integrations/ (its YAML files are applied by users as they are). */
export const integrationsDir = join(repoRoot, "docs", "integrations")
/** Values files the tests render with. */
export const fixture = (name: string) => join(chartsRoot, "test", "fixtures", name)

/** A rendered Kubernetes object, before anything checked its shape. */
export type K8sObject = Record<string, unknown> & { readonly apiVersion: string; readonly kind: string; readonly metadata: { readonly name: string } }

/** How to render a chart: values files, --set pairs (strings) and --set-json pairs. */
export interface RenderOptions {
  readonly values?: ReadonlyArray<string>
  readonly set?: Readonly<Record<string, string>>
  readonly setJson?: Readonly<Record<string, unknown>>
  readonly release?: string
  readonly namespace?: string
}

/** What a helm run answered. */
export interface HelmResult {
  readonly status: number
  readonly stdout: string
  readonly stderr: string
}

let home: string | undefined

/**
 * Helm's cache, config and data live in one temporary folder for the whole
 * test file (never the user's); `cleanup` removes it.
 */
const helmHome = (): string => (home ??= mkdtempSync(join(tmpdir(), "rollwise-charts-")))

/** Remove the temporary helm home. */
export const cleanup = (): void => {
  if (home !== undefined) rmSync(home, { recursive: true, force: true })
  home = undefined
}

/** Run the real helm 3.17 with an isolated environment. */
export const helm = (args: ReadonlyArray<string>): HelmResult => {
  const result = spawnSync(binaries().helm, args, {
    encoding: "utf8",
    env: { ...process.env, ...helmEnv(helmHome()) },
    timeout: 20_000
  })
  if (result.error !== undefined) throw result.error
  return { status: result.status ?? -1, stdout: result.stdout, stderr: result.stderr }
}

const valueArgs = (options: RenderOptions): Array<string> => [
  ...(options.values ?? []).flatMap((file) => ["-f", file]),
  ...Object.entries(options.set ?? {}).flatMap(([key, value]) => ["--set-string", `${key}=${value}`]),
  ...Object.entries(options.setJson ?? {}).flatMap(([key, value]) => ["--set-json", `${key}=${JSON.stringify(value)}`])
]

/** `helm lint --strict` with the given values. */
export const lint = (chart: string, options: RenderOptions = {}): HelmResult => helm(["lint", "--strict", chart, ...valueArgs(options)])

/** `helm template` as a raw result (for the failures a bad values file must cause). */
export const templateRaw = (chart: string, options: RenderOptions = {}): HelmResult =>
  helm(["template", options.release ?? "shop", chart, "--namespace", options.namespace ?? "shop", ...valueArgs(options)])

/** Parse helm's multi-document output; every document must be a YAML mapping with apiVersion, kind and metadata.name. */
export const parseManifests = (text: string): Array<K8sObject> =>
  parseAllDocuments(text).flatMap((doc) => {
    if (doc.errors.length > 0) throw new Error(`helm rendered invalid YAML: ${doc.errors[0]!.message}`)
    const value: unknown = doc.toJS()
    if (value === null || value === undefined) return []
    const o = value as Partial<K8sObject>
    if (typeof o.apiVersion !== "string" || typeof o.kind !== "string" || typeof o.metadata?.name !== "string") {
      throw new Error(`a rendered document lacks apiVersion, kind or metadata.name: ${JSON.stringify(value).slice(0, 200)}`)
    }
    return [o as K8sObject]
  })

/** `helm template`, which must succeed, parsed into objects; `text` is the raw output. */
export const template = (chart: string, options: RenderOptions = {}): { readonly objects: Array<K8sObject>; readonly text: string } => {
  const result = templateRaw(chart, options)
  if (result.status !== 0) throw new Error(`helm template ${chart} failed: ${result.stderr}`)
  return { objects: parseManifests(result.stdout), text: result.stdout }
}

/**
 * The chart's NOTES.txt as helm renders it. `helm template` leaves NOTES out
 * and `helm install --dry-run` needs a cluster, so this renders the real file
 * through the real engine from a copy of the chart where NOTES.txt is a named
 * template that a probe ConfigMap includes.
 */
export const renderNotes = (chart: string, options: RenderOptions = {}): string => {
  const copy = join(helmHome(), `notes-${Math.random().toString(36).slice(2)}`)
  mkdirSync(copy, { recursive: true })
  const dir = join(copy, "chart")
  cpSync(chart, dir, { recursive: true })
  const notes = readFileSync(join(dir, "templates", "NOTES.txt"), "utf8")
  writeFileSync(join(dir, "templates", "_notes_probe.tpl"), `{{- define "notes-probe" -}}\n${notes}\n{{- end -}}\n`)
  rmSync(join(dir, "templates", "NOTES.txt"))
  writeFileSync(
    join(dir, "templates", "notes-probe.yaml"),
    'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes-probe\ndata:\n  notes: {{ include "notes-probe" . | quote }}\n'
  )
  const result = templateRaw(dir, options)
  rmSync(copy, { recursive: true, force: true })
  if (result.status !== 0) throw new Error(`rendering NOTES.txt failed: ${result.stderr}`)
  const probe = parseManifests(result.stdout).find((o) => o.kind === "ConfigMap" && o.metadata.name === "notes-probe")
  return String((probe?.["data"] as Record<string, string> | undefined)?.["notes"] ?? "")
}

/** The objects of one kind (and apiVersion). */
export const ofKind = <A = K8sObject>(objects: ReadonlyArray<K8sObject>, apiVersion: string, kind: string): Array<A> =>
  objects.filter((o) => o.apiVersion === apiVersion && o.kind === kind) as Array<A>

/** The one object of a kind and name; fails the test when it is missing. */
export const one = <A = K8sObject>(objects: ReadonlyArray<K8sObject>, apiVersion: string, kind: string, name?: string): A => {
  const found = objects.filter((o) => o.apiVersion === apiVersion && o.kind === kind && (name === undefined || o.metadata.name === name))
  if (found.length !== 1) throw new Error(`expected one ${apiVersion} ${kind}${name !== undefined ? ` ${name}` : ""}, rendered ${found.length}`)
  return found[0] as A
}
