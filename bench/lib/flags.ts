/** `--name value` flags of the small benchmarks (bench/startup.ts, bench/translated.ts), checked up front. */

/** A positive integer flag, or `fallback` when absent. */
export function intFlag(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(argv[i + 1]);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer, got "${argv[i + 1]}"`);
  return v;
}

/** A string flag, or `fallback` when absent. */
export function stringFlag(argv: string[], name: string, fallback: string): string {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = argv[i + 1];
  if (!v || v.startsWith('--')) throw new Error(`--${name} needs a value`);
  return v;
}
