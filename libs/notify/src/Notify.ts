/**
 * Rollout
 */
export {}
