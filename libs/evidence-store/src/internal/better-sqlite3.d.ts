/**
 * The slice of better-sqlite3 12's API this lib uses (the package ships no
 * types and `@types/better-sqlite3` is not a dependency here).
 */
declare module "better-sqlite3" {
  namespace BetterSqlite3 {
    interface RunResult {
      readonly changes: number
      readonly lastInsertRowid: number | bigint
    }
    interface Statement {
      run(...params: ReadonlyArray<unknown>): RunResult
      get(...params: ReadonlyArray<unknown>): unknown
      all(...params: ReadonlyArray<unknown>): Array<unknown>
    }
    /** A function run inside BEGIN … COMMIT, rolled back when it throws. */
    interface Transaction<A extends ReadonlyArray<unknown>, R> {
      (...args: A): R
      deferred(...args: A): R
      immediate(...args: A): R
      exclusive(...args: A): R
    }
    interface Database {
      readonly open: boolean
      readonly inTransaction: boolean
      readonly name: string
      prepare(sql: string): Statement
      exec(sql: string): Database
      pragma(source: string, options?: { readonly simple?: boolean }): unknown
      transaction<A extends ReadonlyArray<unknown>, R>(fn: (...args: A) => R): Transaction<A, R>
      close(): Database
    }
    interface Options {
      readonly readonly?: boolean
      readonly fileMustExist?: boolean
      /** Busy timeout in milliseconds (default 5000). */
      readonly timeout?: number
    }
    /** What every failed SQLite call throws; `code` is SQLite's extended result code name, e.g. "SQLITE_BUSY". */
    interface SqliteError extends Error {
      readonly code: string
    }
  }
  const Database: {
    new (filename: string, options?: BetterSqlite3.Options): BetterSqlite3.Database
    readonly SqliteError: new (message: string, code: string) => BetterSqlite3.SqliteError
  }
  export default Database
  export type SqliteDatabase = BetterSqlite3.Database
  export type SqliteStatement = BetterSqlite3.Statement
  export type SqliteError = BetterSqlite3.SqliteError
}
