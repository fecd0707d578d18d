import { Effect, Exit } from "effect"
import { afterEach, describe, expect, it } from "vitest"
import { ChangesError, GitChanges } from "../src/index.ts"
import { makeRepo } from "../src/testing.ts"

const repos: Array<ReturnType<typeof makeRepo>> = []
const repo = () => {
  const r = makeRepo()
  repos.push(r)
  return r
}
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup()
})

const run = (options: GitChanges.CollectOptions) => Effect.runPromise(GitChanges.collect(options))
const fail = async (options: GitChanges.CollectOptions): Promise<ChangesError> => {
  const exit = await Effect.runPromiseExit(GitChanges.collect(options))
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (error === undefined || error._tag !== "Fail") throw new Error("expected a typed failure")
  return error.error
}

const lines = (n: number, prefix = "line") => Array.from({ length: n }, (_, i) => `${prefix} ${i}`).join("\n") + "\n"

describe("GitChanges.collect (against real git repositories)", () => {
  it("counts lines and files from numstat, with renames and binary files", async () => {
    const r = repo()
    r.write("api/handler.ts", lines(10))
    r.write("api/old-name.ts", lines(20))
    r.write("README.md", "hello\n")
    const base = r.commit("base")
    r.write("api/handler.ts", lines(10).replace("line 3\n", "changed 3\n") + lines(5, "extra"))
    r.git("mv", "api/old-name.ts", "api/new-name.ts")
    r.write("assets/logo.png", Buffer.from([0, 1, 2, 3, 0, 255, 0, 9]))
    r.remove("README.md")
    const head = r.commit("head")

    const { changeSet, files } = await run({ repo: r.dir, base, head, service: "checkout" })
    // handler: +6 -1 ; rename: 0/0 ; README: -1 ; png: binary
    expect(changeSet.linesAdded).toBe(6)
    expect(changeSet.linesDeleted).toBe(2)
    expect(changeSet.filesChanged).toBe(4)
    expect(changeSet.service).toBe("checkout")
    expect(changeSet.module).toBe("api")
    const renamed = files.find((f) => f.path === "api/new-name.ts")
    expect(renamed?.previousPath).toBe("api/old-name.ts")
    expect(files.find((f) => f.path === "assets/logo.png")?.binary).toBe(true)
    expect(changeSet.moduleHistory).toEqual({ deploys: 0, failures: 0 })
    expect(changeSet.coverageDelta).toBeUndefined()
  })

  it("an empty range is a zero change", async () => {
    const r = repo()
    r.write("a.txt", "a\n")
    const c = r.commit("only")
    const { changeSet } = await run({ repo: r.dir, base: c, head: c, service: "s" })
    expect(changeSet).toMatchObject({ linesAdded: 0, linesDeleted: 0, filesChanged: 0, dependencyBumps: [], module: "." })
  })

  it("finds dependency bumps in every manifest kind, lockfile versions winning", async () => {
    const r = repo()
    r.write(
      "web/package.json",
      JSON.stringify({ dependencies: { react: "^18.2.0", lodash: "^4.17.20" }, devDependencies: { vitest: "~1.0.0" } })
    )
    r.write(
      "web/package-lock.json",
      JSON.stringify({
        lockfileVersion: 3,
        packages: {
          "": {},
          "node_modules/react": { version: "18.2.0" },
          "node_modules/lodash": { version: "4.17.20" },
          "node_modules/vitest": { version: "1.0.4" },
          "node_modules/vitest/node_modules/nested": { version: "1.0.0" }
        }
      })
    )
    r.write(
      "java/pom.xml",
      `<project><properties><jackson.version>2.15.0</jackson.version></properties>
       <dependencies>
         <dependency><groupId>com.fasterxml.jackson.core</groupId><artifactId>jackson-databind</artifactId><version>\${jackson.version}</version></dependency>
         <dependency><groupId>junit</groupId><artifactId>junit</artifactId><version>4.13.2</version><scope>test</scope></dependency>
       </dependencies></project>`
    )
    r.write("go/go.mod", "module example.com/x\n\ngo 1.22\n\nrequire (\n\tgithub.com/pkg/errors v0.9.1\n\tgolang.org/x/net v0.20.0 // indirect\n)\n")
    r.write("py/requirements.txt", "# pinned\nrequests==2.31.0\nflask>=2.0 ; python_version > '3.8'\n-r base.txt\n")
    r.write("py/pyproject.toml", '[project]\nname = "x"\ndependencies = [\n  "pydantic>=1.10",\n  "httpx==0.25.0",\n]\n')
    r.write("dotnet/App.csproj", '<Project><ItemGroup><PackageReference Include="Newtonsoft.Json" Version="12.0.3" /><PackageReference Include="Serilog"><Version>2.10.0</Version></PackageReference></ItemGroup></Project>')
    const base = r.commit("base")

    r.write(
      "web/package.json",
      JSON.stringify({ dependencies: { react: "^19.0.0", lodash: "^4.17.20", added: "1.0.0" }, devDependencies: { vitest: "~1.0.0" } })
    )
    r.write(
      "web/package-lock.json",
      JSON.stringify({
        lockfileVersion: 3,
        packages: {
          "": {},
          "node_modules/react": { version: "19.0.0" },
          "node_modules/lodash": { version: "4.17.21" },
          "node_modules/vitest": { version: "1.0.4" },
          "node_modules/added": { version: "1.0.0" },
          "node_modules/vitest/node_modules/nested": { version: "2.0.0" }
        }
      })
    )
    r.write(
      "java/pom.xml",
      `<project><properties><jackson.version>2.16.1</jackson.version></properties>
       <dependencies>
         <dependency><groupId>com.fasterxml.jackson.core</groupId><artifactId>jackson-databind</artifactId><version>\${jackson.version}</version></dependency>
         <dependency><groupId>junit</groupId><artifactId>junit</artifactId><version>4.13.2</version><scope>test</scope></dependency>
       </dependencies></project>`
    )
    r.write("go/go.mod", "module example.com/x\n\ngo 1.22\n\nrequire (\n\tgithub.com/pkg/errors v0.9.1\n\tgolang.org/x/net v0.21.0 // indirect\n)\n")
    r.write("py/requirements.txt", "# pinned\nrequests==2.32.3\nflask>=2.0 ; python_version > '3.8'\n-r base.txt\n")
    r.write("py/pyproject.toml", '[project]\nname = "x"\ndependencies = [\n  "pydantic>=2.5",\n  "httpx==0.25.0",\n]\n')
    r.write("dotnet/App.csproj", '<Project><ItemGroup><PackageReference Include="Newtonsoft.Json" Version="13.0.1" /><PackageReference Include="Serilog"><Version>2.10.0</Version></PackageReference></ItemGroup></Project>')
    const head = r.commit("bump")

    const { changeSet, manifests } = await run({ repo: r.dir, base, head, service: "shop" })
    expect(manifests).toHaveLength(7)
    expect(changeSet.dependencyBumps).toEqual([
      { name: "com.fasterxml.jackson.core:jackson-databind", from: "2.15.0", to: "2.16.1" },
      { name: "golang.org/x/net", from: "0.20.0", to: "0.21.0" },
      { name: "lodash", from: "4.17.20", to: "4.17.21" },
      { name: "Newtonsoft.Json", from: "12.0.3", to: "13.0.1" },
      { name: "pydantic", from: "1.10", to: "2.5" },
      { name: "react", from: "18.2.0", to: "19.0.0" },
      { name: "requests", from: "2.31.0", to: "2.32.3" }
    ].sort((a, b) => (a.name < b.name ? -1 : 1)))
  })

  it("computes the coverage delta in percentage points", async () => {
    const r = repo()
    r.write("a.ts", "x\n")
    const base = r.commit("base")
    r.write("a.ts", "y\n")
    const head = r.commit("head")
    const before = { name: "before.info", text: "TN:\nSF:a.ts\nLF:200\nLH:160\nend_of_record\n" }
    const after = { name: "after.xml", text: '<?xml version="1.0"?><coverage line-rate="0.7" lines-covered="140" lines-valid="200"></coverage>' }
    const { changeSet, coverage } = await run({ repo: r.dir, base, head, service: "s", coverageBefore: before, coverageAfter: after })
    expect(coverage?.before.percent).toBe(80)
    expect(coverage?.after.percent).toBe(70)
    expect(changeSet.coverageDelta).toBe(-10)
  })

  it("fails with NotARepository for a folder that is not a repository", async () => {
    const r = repo()
    const error = await fail({ repo: r.dir + "/nope", base: "HEAD~1", head: "HEAD" })
    expect(error.reason).toBe("NotARepository")
    expect(error.message).toContain(r.dir + "/nope")
  })

  it("fails with UnknownRevision naming the revision", async () => {
    const r = repo()
    r.write("a", "a\n")
    const c = r.commit("c")
    const error = await fail({ repo: r.dir, base: "v9.9.9", head: c })
    expect(error.reason).toBe("UnknownRevision")
    expect(error.message).toContain('"v9.9.9"')
  })

  it("fails with BadManifest naming the revision and file when a manifest is not valid JSON", async () => {
    const r = repo()
    r.write("package.json", JSON.stringify({ dependencies: { a: "1.0.0" } }))
    const base = r.commit("base")
    r.write("package.json", "{ not json")
    const head = r.commit("head")
    const error = await fail({ repo: r.dir, base, head, service: "s" })
    expect(error.reason).toBe("BadManifest")
    expect(error.message).toContain(`${head}:package.json`)
  })

  it("fails when only one coverage report is given, or a report is unreadable", async () => {
    const r = repo()
    r.write("a", "a\n")
    const c = r.commit("c")
    const onlyOne = await fail({ repo: r.dir, base: c, head: c, coverageAfter: { name: "after.info", text: "LF:1\nLH:1\n" } })
    expect(onlyOne.reason).toBe("BadCoverageReport")
    expect(onlyOne.message).toContain("both")
    const garbage = await fail({
      repo: r.dir,
      base: c,
      head: c,
      coverageBefore: { name: "before.txt", text: "hello" },
      coverageAfter: { name: "after.info", text: "LF:1\nLH:1\n" }
    })
    expect(garbage.reason).toBe("BadCoverageReport")
    expect(garbage.message).toBe("before.txt: not an lcov, Cobertura or JaCoCo report")
  })
})
