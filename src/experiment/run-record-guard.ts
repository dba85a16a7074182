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
import { OUTCOMES } from './run-record.ts'; // a cycle: OUTCOMES is read only when a record is checked

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

/** Every own key of `o` is one of `keys` (a strict object's unknown key would be stripped by zod). */
function onlyKeys(o: Obj, keys: ReadonlySet<string>): boolean {
  for (const k in o) if (!keys.has(k)) return false;
  return true;
}

/** An optional key: absent, or present with a valid value (present as undefined goes to zod). */
const optional = (o: Obj, key: string, valid: (v: unknown) => boolean): boolean => !(key in o) || valid(o[key]);

const RECORD_KEYS = new Set([
  'v', 'experiment', 'runId', 'cell', 'runner', 'runnerVersion', 'condition', 'task', 'rep', 'launcher', 'host', 'startedAt', 'wallMs',
  'exitCode', 'outcome', 'calls', 'usage', 'costUsd', 'unpricedModels', 'modelMs', 'ttftMs', 'overheadMs', 'runnerReported', 'env',
  'order', 'block', 'callLatenciesMs', 'attempt', 'phases', 'decomposition',
]);
const USAGE_KEYS = new Set(['input', 'output', 'cacheRead', 'cacheWrite', 'reasoning']);
const PHASE_KEYS = new Set(['name', 'startMs', 'durationMs']);
const SHARE_KEYS = ['model', 'tool', 'harness', 'orchestration', 'unattributed'];
const DECOMPOSITION_AMOUNTS = ['wallMs', 'modelMs', 'toolMs', 'harnessMs', 'orchestrationMs', 'unattributedMs', 'outsideMs', 'toleranceMs'];
const DECOMPOSITION_KEYS = new Set([...DECOMPOSITION_AMOUNTS, 'startupMs', 'shares', 'withinTolerance', 'modelCalls', 'toolCalls', 'toolTiming', 'phaseTiming']);

function isUsage(v: unknown): boolean {
  return isObject(v) && onlyKeys(v, USAGE_KEYS) && isAmount(v['input']) && isAmount(v['output']) && isAmount(v['cacheRead']) && isAmount(v['cacheWrite']) && isAmount(v['reasoning']);
}

/** A loose object (unknown keys kept by zod); one with an own `__proto__` key goes to zod, whose copy would not keep it as a key. */
const isLoose = (v: unknown): v is Obj => isObject(v) && !Object.prototype.hasOwnProperty.call(v, '__proto__');

function isEnv(v: unknown): boolean {
  return (
    isLoose(v) &&
    optional(v, 'image', (x) => typeof x === 'string') &&
    optional(v, 'cpus', (x) => isNumber(x) && x > 0) &&
    optional(v, 'memory', (x) => typeof x === 'string' || isNumber(x)) &&
    optional(v, 'runnerVersion', (x) => typeof x === 'string') &&
    optional(v, 'proxyVersion', (x) => typeof x === 'string') &&
    optional(v, 'upstreams', isStringArray)
  );
}

function isPhase(v: unknown): boolean {
  return isObject(v) && onlyKeys(v, PHASE_KEYS) && isText(v['name']) && isNumber(v['startMs']) && isAmount(v['durationMs']);
}

function isDecomposition(v: unknown): boolean {
  if (!isObject(v) || !onlyKeys(v, DECOMPOSITION_KEYS)) return false;
  for (const k of DECOMPOSITION_AMOUNTS) if (!isAmount(v[k])) return false;
  const shares = v['shares'];
  if (!isObject(shares) || !onlyKeys(shares, new Set(SHARE_KEYS))) return false;
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
  if (!isObject(raw) || !onlyKeys(raw, RECORD_KEYS)) return false;
  const r = raw;
  return (
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
    optional(r, 'unpricedModels', isStringArray) &&
    isAmount(r['modelMs']) &&
    (r['ttftMs'] === null || isAmount(r['ttftMs'])) &&
    isAmount(r['overheadMs']) &&
    isLoose(r['runnerReported']) &&
    isEnv(r['env']) &&
    optional(r, 'order', isCount) &&
    optional(r, 'block', isCount) &&
    optional(r, 'callLatenciesMs', (x) => isArrayOf(x, isAmount)) &&
    optional(r, 'attempt', (x) => Number.isSafeInteger(x) && (x as number) > 0) &&
    optional(r, 'phases', (x) => isArrayOf(x, isPhase)) &&
    optional(r, 'decomposition', isDecomposition)
  );
}
