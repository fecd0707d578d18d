/**
 * A fake JFrog Artifactory for tests of any project: build-info, deploy (by
 * checksum), item properties, File Info and AQL, with JFrog's auth and error
 * answers and injectable faults. See README.md.
 */
export { errorBody, parseProperties, start as startArtifactory } from "./FakeArtifactory.ts"
export type { FakeArtifactory, FakeArtifactoryOptions, Fault, SeenRequest, StoredFile } from "./FakeArtifactory.ts"
