/**
 * A hand-written twin of RunRecordV1Schema's check for the common case: a record exactly as
 * agentab writes it. `isPlainRunRecordV1(raw)` is true only when zod would accept `raw` and
 * return an equal value (no unknown key of a strict object to strip, nothing to transform), so
 * parseRunRecord can return `raw` itself; anything else — an invalid record, an unknown key, an
 * unusual shape — answers false and goes through zod, which also words the error.
 *
 * Hand-written because zod copies every object it checks: reading a million records spent more
 * time in the schema (≈ 3.4 s, plus the garbage of the copies) than in JSON.parse. The property
 * test (test/experiment/run-record-guard.test.ts) checks it never accepts what zod refuses and
 * that zod's output equals what it accepts.
 */
import { OUTCOMES } from './outcomes.ts';

type Obj = Record<string, unknown>;

const isObject = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isAmount = (v: unknown): boolean => isNumber(v) && v >= 0;
const isCount = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const isText = (v: unknown): boolean => typeof v === 'string' && v.length > 0;
const isShare = (v: unknown): boolean => isNumber(v) && v >= 0 && v <= 1;
/** Every element valid; an index loop, because `every` skips the holes of a sparse array (which zod refuses). */
function isArrayOf(v: unknown, valid: (x: unknown) => boolean): boolean {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (!valid(v[i])) return false;
  return true;
}
const isStringArray = (v: unknown): boolean => isArrayOf(v, (x) => typeof x === 'string');

/**
 * Enumerable keys of `o`. A strict object is plain when its valid known keys are all it has: a
 * count, not a lookup of every key in a set (a million records, ~30 keys each); an unknown key
 * or a known optional one present as undefined makes the count differ.
 */
function keyCount(o: Obj): number {
  let n = 0;
  for (const _key in o) n++;
  return n;
}

const SHARE_KEYS = ['model', 'tool', 'harness', 'orchestration', 'unattributed'];
const DECOMPOSITION_AMOUNTS = ['wallMs', 'modelMs', 'toolMs', 'harnessMs', 'orchestrationMs', 'unattributedMs', 'outsideMs', 'toleranceMs'];
/** Keys of the strict objects (the test checks them against the schemas' shapes). */
export const GUARDED_KEY_COUNTS = {
  usage: 5,
  phase: 3,
  /** The amounts, startupMs, shares, withinTolerance, modelCalls, toolCalls, toolTiming, phaseTiming. */
  decomposition: DECOMPOSITION_AMOUNTS.length + 7,
  /** Required keys of a record (v … env); the optional ones are counted as they are found. */
  requiredRecord: 23,
  /** unpricedModels, order, block, callLatenciesMs, attempt, phases, decomposition: checked one by one below. */
  optionalRecord: 7,
} as const;

function isUsage(v: unknown): boolean {
  return isObject(v) && isAmount(v['input']) && isAmount(v['output']) && isAmount(v['cacheRead']) && isAmount(v['cacheWrite']) && isAmount(v['reasoning']) && keyCount(v) === GUARDED_KEY_COUNTS.usage;
}

/** A loose object (unknown keys kept by zod); one with an own `__proto__` key goes to zod, whose copy would not keep it as a key. */
const isLoose = (v: unknown): v is Obj => isObject(v) && !Object.prototype.hasOwnProperty.call(v, '__proto__');

/** An optional key of a loose object: absent, or valid (present as undefined goes to zod). */
const absentOr = (o: Obj, key: string, valid: boolean): boolean => (o[key] === undefined ? !(key in o) : valid);

function isEnv(v: unknown): boolean {
  if (!isLoose(v)) return false;
  const { image, cpus, memory, runnerVersion, proxyVersion, upstreams } = v;
  return (
    absentOr(v, 'image', typeof image === 'string') &&
    absentOr(v, 'cpus', isNumber(cpus) && cpus > 0) &&
    absentOr(v, 'memory', typeof memory === 'string' || isNumber(memory)) &&
    absentOr(v, 'runnerVersion', typeof runnerVersion === 'string') &&
    absentOr(v, 'proxyVersion', typeof proxyVersion === 'string') &&
    absentOr(v, 'upstreams', isStringArray(upstreams))
  );
}

function isPhase(v: unknown): boolean {
  return isObject(v) && isText(v['name']) && isNumber(v['startMs']) && isAmount(v['durationMs']) && keyCount(v) === GUARDED_KEY_COUNTS.phase;
}

function isDecomposition(v: unknown): boolean {
  if (!isObject(v) || keyCount(v) !== GUARDED_KEY_COUNTS.decomposition) return false;
  for (const k of DECOMPOSITION_AMOUNTS) if (!isAmount(v[k])) return false;
  const shares = v['shares'];
  if (!isObject(shares) || keyCount(shares) !== SHARE_KEYS.length) return false;
  for (const k of SHARE_KEYS) if (!isShare(shares[k])) return false;
  return (
    (v['startupMs'] === null || isAmount(v['startupMs'])) &&
    typeof v['withinTolerance'] === 'boolean' &&
    isCount(v['modelCalls']) &&
    isCount(v['toolCalls']) &&
    (v['toolTiming'] === 'measured' || v['toolTiming'] === 'inferred' || v['toolTiming'] === 'none') &&
    (v['phaseTiming'] === 'measured' || v['phaseTiming'] === 'inferred')
  );
}

/** True when RunRecordV1Schema accepts `raw` and returns a value equal to it (see above). */
export function isPlainRunRecordV1(raw: unknown): boolean {
  if (!isObject(raw)) return false;
  const r = raw;
  const required =
    r['v'] === 1 &&
    isText(r['experiment']) && isText(r['runId']) && isText(r['cell']) && isText(r['runner']) &&
    (r['runnerVersion'] === null || typeof r['runnerVersion'] === 'string') &&
    isText(r['condition']) && isText(r['task']) &&
    isCount(r['rep']) &&
    typeof r['launcher'] === 'string' && typeof r['host'] === 'string' && typeof r['startedAt'] === 'string' &&
    isAmount(r['wallMs']) &&
    (r['exitCode'] === null || Number.isSafeInteger(r['exitCode'])) &&
    (OUTCOMES as readonly unknown[]).includes(r['outcome']) &&
    isCount(r['calls']) &&
    isUsage(r['usage']) &&
    isAmount(r['costUsd']) &&
    isAmount(r['modelMs']) &&
    (r['ttftMs'] === null || isAmount(r['ttftMs'])) &&
    isAmount(r['overheadMs']) &&
    isLoose(r['runnerReported']) &&
    isEnv(r['env']);
  if (!required) return false;
  // optional keys: each one present must be valid, and is counted
  let keys: number = GUARDED_KEY_COUNTS.requiredRecord;
  const { unpricedModels, order, block, callLatenciesMs, attempt, phases, decomposition } = r;
  if (unpricedModels !== undefined) {
    if (!isStringArray(unpricedModels)) return false;
    keys++;
  }
  if (order !== undefined) {
    if (!isCount(order)) return false;
    keys++;
  }
  if (block !== undefined) {
    if (!isCount(block)) return false;
    keys++;
  }
  if (callLatenciesMs !== undefined) {
    if (!isArrayOf(callLatenciesMs, isAmount)) return false;
    keys++;
  }
  if (attempt !== undefined) {
    if (!(Number.isSafeInteger(attempt) && (attempt as number) > 0)) return false;
    keys++;
  }
  if (phases !== undefined) {
    if (!isArrayOf(phases, isPhase)) return false;
    keys++;
  }
  if (decomposition !== undefined) {
    if (!isDecomposition(decomposition)) return false;
    keys++;
  }
  return keyCount(r) === keys;
}
