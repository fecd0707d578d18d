/**
 * `npx nx run api-server:bench` (part of `npm run bench`): issue #16's hostile
 * bodies timed in process and over HTTP with 0 and 2 analysis workers
 * (`bench/hostile.ts`).
 */
await import("./hostile.ts")
export {}
