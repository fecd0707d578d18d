import { describe, expect, it } from "vitest"
import { Manifests } from "../src/index.ts"

const entries = (m: Map<string, string>) => Object.fromEntries(m)

describe("Manifests", () => {
  it.each([
    ["^1.2.3", "1.2.3"],
    ["~1.2.3", "1.2.3"],
    [">=2.0", "2.0"],
    ["==2.31.0", "2.31.0"],
    ["v0.9.1", "0.9.1"],
    ['"1.0.0"', "1.0.0"],
    ["1.x", "1.x"],
    ["*", undefined],
    ["latest", undefined],
    ["workspace:*", undefined],
    ["git+https://example.com/x.git", undefined]
  ])("normalizes %s to %s", (spec, expected) => {
    expect(Manifests.normalizeVersion(spec)).toBe(expected)
  })

  it("recognises manifests by file name", () => {
    expect(Manifests.kindOf("a/b/package.json")).toBe("package.json")
    expect(Manifests.kindOf("npm-shrinkwrap.json")).toBe("package-lock.json")
    expect(Manifests.kindOf("requirements-dev.txt")).toBe("requirements")
    expect(Manifests.kindOf("src/Api/Api.csproj")).toBe("csproj")
    expect(Manifests.kindOf("Directory.Packages.props")).toBe("csproj")
    expect(Manifests.kindOf("src/index.ts")).toBeUndefined()
  })

  it("reads lockfile v1 dependencies", () => {
    const lock = JSON.stringify({ lockfileVersion: 1, dependencies: { a: { version: "1.2.3" }, b: { version: "2.0.0" } } })
    expect(entries(Manifests.parse("package-lock.json", lock))).toEqual({ a: "1.2.3", b: "2.0.0" })
  })

  it("reads poetry dependency tables and skips python itself", () => {
    const toml = '[tool.poetry.dependencies]\npython = "^3.11"\nrequests = "^2.31"\nfastapi = { version = "0.110.0", extras = ["all"] }\n'
    expect(entries(Manifests.parse("pyproject.toml", toml))).toEqual({ requests: "2.31", fastapi: "0.110.0" })
  })

  it("reads single-line go requires and ignores comments", () => {
    expect(entries(Manifests.parse("go.mod", "module m\nrequire github.com/a/b v1.2.3 // why\n// require x v9\n"))).toEqual({
      "github.com/a/b": "1.2.3"
    })
  })

  it("ignores commented-out XML dependencies", () => {
    const pom = "<project><dependencies><!-- <dependency><groupId>g</groupId><artifactId>x</artifactId><version>1</version></dependency> --></dependencies></project>"
    expect(entries(Manifests.parse("pom.xml", pom))).toEqual({})
  })

  it("rejects a pom.xml without <project> and a package.json that is not an object", () => {
    expect(() => Manifests.parse("pom.xml", "<settings/>")).toThrow("no <project> element")
    expect(() => Manifests.parse("package.json", "[1,2]")).toThrow("expected a JSON object")
  })

  it("diff keeps changed versions only, sorted by name", () => {
    const before = new Map([["b", "1.0.0"], ["a", "1.0.0"], ["gone", "1.0.0"]])
    const after = new Map([["b", "2.0.0"], ["a", "1.0.1"], ["new", "1.0.0"]])
    expect(Manifests.diff(before, after)).toEqual([
      { name: "a", from: "1.0.0", to: "1.0.1" },
      { name: "b", from: "1.0.0", to: "2.0.0" }
    ])
  })
})
