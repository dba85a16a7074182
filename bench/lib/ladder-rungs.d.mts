/** The rungs of bench/lib/ladder-gateway.mjs, in order. */
export declare const RUNGS: readonly string[];
