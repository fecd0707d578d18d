/**
 * Dependency versions from the manifests of six ecosystems, and the bumps
 * between two revisions of them. Parsers are deliberately tolerant of layout
 * (comments, ordering, whitespace) and strict about what they return: a name
 * and a concrete-looking version, or nothing.
 */

/** A dependency whose version differs between the base and head revisions. */
export interface DependencyBump {
  readonly name: string
  readonly from: string
  readonly to: string
}

/** Which parser reads a file, by its name. */
export type ManifestKind = "package.json" | "package-lock.json" | "pom.xml" | "go.mod" | "requirements" | "pyproject.toml" | "csproj"

/** The manifest kind for a repository path, or undefined for any other file. */
export const kindOf = (path: string): ManifestKind | undefined => {
  const name = path.slice(path.lastIndexOf("/") + 1)
  if (name === "package.json") return "package.json"
  if (name === "package-lock.json" || name === "npm-shrinkwrap.json") return "package-lock.json"
  if (name === "pom.xml") return "pom.xml"
  if (name === "go.mod") return "go.mod"
  if (/^requirements.*\.txt$/.test(name)) return "requirements"
  if (name === "pyproject.toml") return "pyproject.toml"
  if (name.endsWith(".csproj") || name === "Directory.Packages.props") return "csproj"
  return undefined
}

/**
 * A version as written, reduced to the version itself: range operators
 * (`^ ~ >= == ~=`), a leading `v` and surrounding quotes go; `1.x` style ranges
 * stay as written. Returns undefined for things that are not versions
 * (`*`, `latest`, git URLs, `workspace:`).
 */
export const normalizeVersion = (spec: string): string | undefined => {
  const first = spec.trim().replace(/^["']|["']$/g, "").split(/[\s,;|]+/)[0] ?? ""
  const bare = first.replace(/^(\^|~=|~|>=|<=|==|===|>|<|=|!=)+/, "").replace(/^v(?=\d)/, "")
  return /^\d/.test(bare) ? bare : undefined
}

/** Thrown inside the parsers and turned into a ChangesError by the caller. */
export class ManifestParseError extends Error {}

const record = (entries: Iterable<readonly [string, string | undefined]>): Map<string, string> => {
  const out = new Map<string, string>()
  for (const [name, raw] of entries) {
    const version = raw === undefined ? undefined : normalizeVersion(raw)
    if (name !== "" && version !== undefined) out.set(name, version)
  }
  return out
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new ManifestParseError(`not valid JSON (${error instanceof Error ? error.message : String(error)})`)
  }
}

const isObject = (u: unknown): u is Record<string, unknown> => typeof u === "object" && u !== null && !Array.isArray(u)

const packageJson = (text: string): Map<string, string> => {
  const doc = parseJson(text)
  if (!isObject(doc)) throw new ManifestParseError("expected a JSON object")
  const entries: Array<[string, string]> = []
  for (const field of ["dependencies", "devDependencies", "peerDependencies", "optionalDependencies"]) {
    const deps = doc[field]
    if (!isObject(deps)) continue
    for (const [name, spec] of Object.entries(deps)) if (typeof spec === "string") entries.push([name, spec])
  }
  return record(entries)
}

/** Resolved versions of the direct dependencies (lockfile v1, v2 and v3). */
const packageLock = (text: string): Map<string, string> => {
  const doc = parseJson(text)
  if (!isObject(doc)) throw new ManifestParseError("expected a JSON object")
  const entries: Array<[string, string | undefined]> = []
  const packages = doc["packages"]
  if (isObject(packages)) {
    for (const [key, value] of Object.entries(packages)) {
      const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(key)
      if (m !== null && isObject(value) && typeof value["version"] === "string") entries.push([m[1]!, value["version"]])
    }
  } else if (isObject(doc["dependencies"])) {
    for (const [name, value] of Object.entries(doc["dependencies"])) {
      if (isObject(value) && typeof value["version"] === "string") entries.push([name, value["version"]])
    }
  }
  return record(entries)
}

const xmlText = (block: string, tag: string): string | undefined => {
  const m = new RegExp(`<${tag}>\\s*([^<]*?)\\s*</${tag}>`).exec(block)
  return m?.[1]
}

const stripXmlComments = (text: string) => text.replace(/<!--[\s\S]*?-->/g, "")

const pomXml = (text: string): Map<string, string> => {
  const xml = stripXmlComments(text)
  if (!/<project[\s>]/.test(xml)) throw new ManifestParseError("no <project> element")
  const properties = new Map<string, string>()
  const props = /<properties>([\s\S]*?)<\/properties>/.exec(xml)?.[1] ?? ""
  for (const m of props.matchAll(/<([A-Za-z_][\w.-]*)>\s*([^<]*?)\s*<\/\1>/g)) properties.set(m[1]!, m[2]!)
  const projectVersion = xmlText(xml.replace(/<parent>[\s\S]*?<\/parent>|<dependencies>[\s\S]*<\/dependencies>/g, ""), "version")
  if (projectVersion !== undefined) properties.set("project.version", projectVersion)
  const resolve = (v: string | undefined) => v?.replace(/\$\{([^}]+)\}/g, (_, key: string) => properties.get(key) ?? `\${${key}}`)
  const entries: Array<[string, string | undefined]> = []
  for (const m of xml.matchAll(/<dependency>([\s\S]*?)<\/dependency>/g)) {
    const block = m[1]!
    const group = xmlText(block, "groupId")
    const artifact = xmlText(block, "artifactId")
    if (group !== undefined && artifact !== undefined) entries.push([`${group}:${artifact}`, resolve(xmlText(block, "version"))])
  }
  return record(entries)
}

const goMod = (text: string): Map<string, string> => {
  const entries: Array<[string, string]> = []
  let inBlock = false
  for (const rawLine of text.split("\n")) {
    const line = rawLine.replace(/\/\/.*$/, "").trim()
    if (line === "") continue
    if (/^require\s*\($/.test(line)) {
      inBlock = true
      continue
    }
    if (inBlock && line === ")") {
      inBlock = false
      continue
    }
    const single = /^require\s+(\S+)\s+(\S+)$/.exec(line)
    const inner = inBlock ? /^(\S+)\s+(\S+)$/.exec(line) : null
    const m = single ?? inner
    if (m !== null) entries.push([m[1]!, m[2]!])
  }
  return record(entries)
}

const pep508 = (spec: string): [string, string] | undefined => {
  const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:\[[^\]]*\])?\s*(?:\(?\s*)((?:===|==|~=|>=|<=|!=|>|<)\s*[^\s,;)]+)?/.exec(spec)
  if (m === null || m[2] === undefined) return undefined
  return [m[1]!.toLowerCase().replace(/_/g, "-"), m[2].replace(/\s+/g, "")]
}

const requirements = (text: string): Map<string, string> => {
  const entries: Array<[string, string]> = []
  for (const rawLine of text.split("\n")) {
    const line = rawLine.replace(/\s+#.*$|^#.*$/, "").trim()
    if (line === "" || line.startsWith("-") || /^[a-z+]+:\/\//i.test(line)) continue
    const dep = pep508(line)
    if (dep !== undefined) entries.push(dep)
  }
  return record(entries)
}

const pyprojectToml = (text: string): Map<string, string> => {
  const entries: Array<[string, string]> = []
  let section = ""
  let inDepsArray = false
  for (const rawLine of text.split("\n")) {
    const line = rawLine.replace(/\s+#.*$|^#.*$/, "").trim()
    if (line === "") continue
    const header = /^\[([^\]]+)\]$/.exec(line)
    if (header !== null) {
      section = header[1]!.trim()
      inDepsArray = false
      continue
    }
    if (section === "project" && /^dependencies\s*=\s*\[/.test(line)) {
      inDepsArray = !line.includes("]")
      for (const m of line.matchAll(/"([^"]+)"|'([^']+)'/g)) {
        const dep = pep508(m[1] ?? m[2] ?? "")
        if (dep !== undefined) entries.push(dep)
      }
      continue
    }
    if (inDepsArray) {
      for (const m of line.matchAll(/"([^"]+)"|'([^']+)'/g)) {
        const dep = pep508(m[1] ?? m[2] ?? "")
        if (dep !== undefined) entries.push(dep)
      }
      if (line.includes("]")) inDepsArray = false
      continue
    }
    if (/^tool\.poetry\.(dev-)?dependencies$|^tool\.poetry\.group\.[^.]+\.dependencies$/.test(section)) {
      const m = /^([A-Za-z0-9._-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|\{.*?version\s*=\s*"([^"]*)")/.exec(line)
      if (m !== null && m[1] !== "python") entries.push([m[1]!.toLowerCase(), m[2] ?? m[3] ?? m[4] ?? ""])
    }
  }
  return record(entries)
}

const csproj = (text: string): Map<string, string> => {
  const xml = stripXmlComments(text)
  const entries: Array<[string, string | undefined]> = []
  for (const m of xml.matchAll(/<Package(?:Reference|Version)\b([^>]*?)(\/>|>([\s\S]*?)<\/Package(?:Reference|Version)>)/g)) {
    const attrs = m[1]!
    const name = /\bInclude\s*=\s*"([^"]+)"/.exec(attrs)?.[1] ?? /\bUpdate\s*=\s*"([^"]+)"/.exec(attrs)?.[1]
    const version = /\bVersion\s*=\s*"([^"]+)"/.exec(attrs)?.[1] ?? (m[3] !== undefined ? xmlText(m[3], "Version") : undefined)
    if (name !== undefined) entries.push([name, version])
  }
  return record(entries)
}

/**
 * The dependency versions a manifest declares, by name. Throws
 * ManifestParseError for a file that is not the format its name says (invalid
 * JSON, a pom.xml without <project>); other formats are line-based and never
 * fail, returning what they recognise.
 */
export const parse = (kind: ManifestKind, text: string): Map<string, string> => {
  switch (kind) {
    case "package.json":
      return packageJson(text)
    case "package-lock.json":
      return packageLock(text)
    case "pom.xml":
      return pomXml(text)
    case "go.mod":
      return goMod(text)
    case "requirements":
      return requirements(text)
    case "pyproject.toml":
      return pyprojectToml(text)
    case "csproj":
      return csproj(text)
  }
}

/**
 * Bumps between two versions of the same manifest: dependencies present in
 * both with different versions, sorted by name. Added and removed
 * dependencies are not bumps and are left out.
 */
export const diff = (before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>): ReadonlyArray<DependencyBump> =>
  [...after.entries()]
    .filter(([name, to]) => before.has(name) && before.get(name) !== to)
    .map(([name, to]) => ({ name, from: before.get(name)!, to }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
