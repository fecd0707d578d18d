/**
 * Evidence in JFrog Artifactory: build-info with Rollwise's properties, artifact properties, uploaded reports, history by AQL
 *
 * @since 0.1.0
 */
export * as EvidenceArtifactory from "./EvidenceArtifactory.ts"
export * as ArtifactoryClient from "./ArtifactoryClient.ts"
export * as BuildInfo from "./BuildInfo.ts"
