/**
 * Online
 */
export {}
