import { existsSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { postgresAvailable, startPostgres } from "../src/index.ts"

describe("startPostgres (real PostgreSQL)", () => {
  it("the binaries are installed (Debian's postgresql)", () => {
    expect(postgresAvailable()).toBe(true)
  })

  it("starts a server on 127.0.0.1, creates empty databases, and stop() removes everything", async () => {
    const pg = await startPostgres()
    try {
      expect(pg.url()).toBe(`postgres://rollwise@127.0.0.1:${pg.port}/postgres`)
      const url = await pg.createDatabase()
      const name = new URL(url).pathname.slice(1)
      expect(await pg.psql("SELECT current_user || ' ' || current_setting('server_version_num')::int / 10000", name)).toBe("rollwise 15")
      expect(await pg.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", name)).toBe("0")
      expect(await pg.psql("SHOW listen_addresses")).toBe("127.0.0.1")
      expect(await pg.psql("SHOW fsync")).toBe("off")
    } finally {
      await pg.stop()
    }
    expect(existsSync(pg.dir)).toBe(false)
    await pg.stop()
  }, 120_000)

  it("with a password, TCP needs it and the URL carries it", async () => {
    const pg = await startPostgres({ password: "s3cr3t" })
    try {
      expect(pg.url("app")).toBe(`postgres://rollwise:s3cr3t@127.0.0.1:${pg.port}/app`)
      expect(pg.password).toBe("s3cr3t")
      expect(await pg.psql("SELECT rolpassword LIKE 'SCRAM-SHA-256%' FROM pg_authid WHERE rolname = 'rollwise'")).toBe("t")
    } finally {
      await pg.stop()
    }
  }, 120_000)
})
