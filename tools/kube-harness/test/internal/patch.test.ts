import { describe, expect, it } from "vitest"
import { KubeError } from "../../src/internal/errors.ts"
import { jsonPatch, mergePatch, strategicMergePatch } from "../../src/internal/patch.ts"

const rejection = (f: () => unknown): { readonly code: number; readonly reason: string; readonly detail: string } => {
  try {
    f()
  } catch (error) {
    if (error instanceof KubeError) return { code: error.code, reason: error.reason, detail: JSON.stringify(error.details) }
    throw error
  }
  throw new Error("no error")
}

describe("merge patch (RFC 7386)", () => {
  it.each([
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [["a", "b"], ["c", "d"], ["c", "d"]],
    [{ a: "b" }, ["c"], ["c"]],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }]
  ])("%j + %j = %j", (target, patch, expected) => {
    expect(mergePatch(target, patch)).toEqual(expected)
  })

  it("leaves the target untouched", () => {
    const target = { a: { b: 1 } }
    mergePatch(target, { a: { b: 2 } })
    expect(target).toEqual({ a: { b: 1 } })
  })
})

describe("JSON patch (RFC 6902)", () => {
  const doc = { metadata: { annotations: { "a/b": "1" } }, spec: { replicas: 2, list: [1, 2, 3] } }

  it("adds, removes, replaces, moves and copies, with ~0/~1 escapes and '-' for the end of a list", () => {
    expect(
      jsonPatch(doc, [
        { op: "add", path: "/spec/list/-", value: 4 },
        { op: "add", path: "/spec/list/0", value: 0 },
        { op: "remove", path: "/spec/list/1" },
        { op: "replace", path: "/spec/replicas", value: 3 },
        { op: "replace", path: "/metadata/annotations/a~1b", value: "2" },
        { op: "copy", from: "/spec/replicas", path: "/spec/copy" },
        { op: "move", from: "/spec/copy", path: "/metadata/moved~0" },
        { op: "test", path: "/spec/list", value: [0, 2, 3, 4] }
      ])
    ).toEqual({ metadata: { annotations: { "a/b": "2" }, "moved~": 3 }, spec: { replicas: 3, list: [0, 2, 3, 4] } })
    expect(doc.spec.list).toEqual([1, 2, 3])
  })

  it("fails a test, or a path that is not there, as 422 Invalid; a malformed patch is 400", () => {
    expect(rejection(() => jsonPatch(doc, [{ op: "test", path: "/spec/replicas", value: 5 }]))).toEqual({
      code: 422,
      reason: "Invalid",
      detail: JSON.stringify({ causes: [{ reason: "UnexpectedServerResponse", message: "testing value /spec/replicas failed: test failed" }] })
    })
    expect(rejection(() => jsonPatch(doc, [{ op: "replace", path: "/spec/missing", value: 1 }])).code).toBe(422)
    expect(rejection(() => jsonPatch(doc, [{ op: "remove", path: "/status/phase" }])).code).toBe(422)
    expect(rejection(() => jsonPatch(doc, [{ op: "add", path: "/spec/list/9", value: 1 }])).code).toBe(422)
    expect(rejection(() => jsonPatch(doc, { op: "add" })).code).toBe(400)
    expect(rejection(() => jsonPatch(doc, [{ op: "frobnicate", path: "/spec" }])).code).toBe(400)
  })
})

describe("strategic merge patch", () => {
  const deployment = {
    spec: {
      template: {
        spec: {
          containers: [
            { name: "app", image: "app:1", ports: [{ containerPort: 8080, name: "http" }], env: [{ name: "A", value: "1" }], args: ["--x"] },
            { name: "proxy", image: "envoy:1" }
          ]
        }
      }
    }
  }
  const containers = (patch: unknown) => (strategicMergePatch(deployment, { spec: { template: { spec: patch } } }) as typeof deployment).spec.template.spec.containers

  it("merges containers by name, env by name and container ports by containerPort; other lists are replaced", () => {
    expect(containers({ containers: [{ name: "app", image: "app:2", env: [{ name: "B", value: "2" }], ports: [{ containerPort: 9090 }], args: ["--y"] }] })).toEqual([
      {
        name: "app",
        image: "app:2",
        ports: [{ containerPort: 8080, name: "http" }, { containerPort: 9090 }],
        env: [{ name: "A", value: "1" }, { name: "B", value: "2" }],
        args: ["--y"]
      },
      { name: "proxy", image: "envoy:1" }
    ])
  })

  it("follows kubectl's directives: $patch delete/replace, $setElementOrder, $deleteFromPrimitiveList, $retainKeys", () => {
    expect(containers({ containers: [{ name: "proxy", $patch: "delete" }] }).map((c) => c.name)).toEqual(["app"])
    expect(containers({ containers: [{ name: "new", image: "n:1" }, { $patch: "replace" }] })).toEqual([{ name: "new", image: "n:1" }])
    expect(containers({ "$setElementOrder/containers": [{ name: "proxy" }, { name: "app" }], containers: [{ name: "app", image: "app:3" }] }).map((c) => `${c.name}:${c.image}`)).toEqual([
      "proxy:envoy:1",
      "app:app:3"
    ])
    expect(strategicMergePatch({ finalizers: ["a", "b", "c"] }, { "$deleteFromPrimitiveList/finalizers": ["b"] })).toEqual({ finalizers: ["a", "c"] })
    expect(strategicMergePatch({ strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } } }, { strategy: { $retainKeys: ["type"], type: "Recreate" } })).toEqual({
      strategy: { type: "Recreate" }
    })
    expect(strategicMergePatch({ metadata: { labels: { a: "1" } } }, { metadata: { labels: { $patch: "replace", b: "2" } } })).toEqual({ metadata: { labels: { b: "2" } } })
  })

  it("merges Service ports by port and deletes with null, like a merge patch", () => {
    expect(strategicMergePatch({ spec: { ports: [{ port: 80, name: "http" }], selector: { app: "a", track: "x" } } }, { spec: { ports: [{ port: 443, name: "https" }], selector: { track: null } } })).toEqual({
      spec: { ports: [{ port: 80, name: "http" }, { port: 443, name: "https" }], selector: { app: "a" } }
    })
  })
})
