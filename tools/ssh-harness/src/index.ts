export { type ShimHandler, type ShimReply, type ShimRequest, type SshFleet, type SshServer, startSshFleet } from "./SshFleet.ts"
