/**
 * Flag
 */
export {}
