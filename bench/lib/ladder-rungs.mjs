// The rungs of bench/lib/ladder-gateway.mjs, in order (each keeps every rung below it).
export const RUNGS = ['lean', 'body', 'taps', 'record', 'metrics', 'guards', 'writer'];
