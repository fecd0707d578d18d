import { connect } from "node:net"
import { Duration } from "effect"
import { describe, expect, it } from "vitest"
import { bodyDeadline } from "../../src/Server.ts"
import { startServer, token } from "../helpers.ts"

/** Send the headers of a POST and the first byte of its body, then nothing; collect what comes back until the server closes. */
const slowBody = (port: number): Promise<{ readonly answer: string; readonly ms: number }> =>
  new Promise((resolve, reject) => {
    const started = Date.now()
    let answer = ""
    const socket = connect(port, "127.0.0.1", () => {
      socket.write(`POST /v1/risk HTTP/1.1\r\nHost: rollwise\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{`)
    })
    socket.on("data", (d: Buffer) => (answer += d.toString()))
    socket.on("error", reject)
    socket.on("close", () => resolve({ answer, ms: Date.now() - started }))
  })

describe("a client that sends its body too slowly (a hostile or broken client)", () => {
  it("gets an answer — Node's 408 Request Timeout — before the connection closes, never a bare close", async () => {
    const server = await startServer({ requestTimeout: Duration.seconds(1) })
    try {
      const { answer } = await slowBody(server.port)
      expect(answer).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/)
    } finally {
      await server.close()
    }
  }, 15_000)

  it("Node's body deadline falls inside the handler's timeout by more than one check interval", () => {
    for (const seconds of [0.2, 1, 5, 30, 300]) {
      const { requestTimeout, connectionsCheckingInterval } = bodyDeadline(Duration.seconds(seconds))
      expect(requestTimeout).toBeGreaterThan(0)
      expect(requestTimeout + connectionsCheckingInterval).toBeLessThan(seconds * 1000)
    }
    expect(bodyDeadline(undefined)).toEqual(bodyDeadline(Duration.seconds(30)))
  })
})
