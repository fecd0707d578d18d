/**
 * Evidence in JFrog Artifactory: build-info with Rollwise's properties, artifact properties, uploaded reports, history by AQL
 */
export {}
