import { libConfig } from "../../tools/build/tsup.lib.ts"

export default libConfig({"index":"src/index.ts","testing":"src/testing.ts"})
