/**
 * The hand-written RunRecord check (run-record-guard.ts) lets parseRunRecord skip zod's copy:
 * it must never accept what RunRecordV1Schema refuses, zod's output must equal what it accepts,
 * and every record shaped as agentab writes it must take the fast path.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { GUARDED_KEY_COUNTS, isPlainRunRecordV1 } from '../../src/experiment/run-record-guard.ts';
import { DecompositionSchema, OUTCOMES, parseRunRecord, RecordPhaseSchema, RunRecordV1Schema, RunUsageSchema } from '../../src/experiment/run-record.ts';

const amount = fc.oneof(fc.nat(), fc.double({ min: 0, max: 1e9, noNaN: true }));
const count = fc.nat();
const text = fc.string({ minLength: 1, maxLength: 6 });
const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const share = fc.double({ min: 0, max: 1, noNaN: true });

const decomposition = fc.record({
  wallMs: amount, modelMs: amount, toolMs: amount, harnessMs: amount, orchestrationMs: amount, unattributedMs: amount,
  startupMs: fc.option(amount, { nil: null }), outsideMs: amount,
  shares: fc.record({ model: share, tool: share, harness: share, orchestration: share, unattributed: share }),
  toleranceMs: amount, withinTolerance: fc.boolean(), modelCalls: count, toolCalls: count,
  toolTiming: fc.constantFrom('measured', 'inferred', 'none'), phaseTiming: fc.constantFrom('measured', 'inferred'),
});

/** Records as agentab writes them: every required field, optional ones present or absent (never undefined). */
const record = fc
  .record({
    v: fc.constant(1),
    experiment: text, runId: text, cell: text, runner: text, runnerVersion: fc.option(fc.string(), { nil: null }),
    condition: text, task: text, rep: count, launcher: fc.string(), host: fc.string(), startedAt: fc.string(),
    wallMs: amount, exitCode: fc.option(fc.integer(), { nil: null }), outcome: fc.constantFrom(...OUTCOMES), calls: count,
    usage: fc.record({ input: amount, output: amount, cacheRead: amount, cacheWrite: amount, reasoning: amount }),
    costUsd: amount, unpricedModels: optional(fc.array(fc.string(), { maxLength: 2 })), modelMs: amount,
    ttftMs: fc.option(amount, { nil: null }), overheadMs: amount,
    runnerReported: fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 }),
    env: fc.record(
      {
        image: fc.string(), cpus: fc.double({ min: 0.1, max: 64, noNaN: true }), memory: fc.oneof(fc.string(), fc.nat()),
        runnerVersion: fc.string(), proxyVersion: fc.string(), upstreams: fc.array(fc.string(), { maxLength: 2 }), vm: fc.string(),
      },
      { requiredKeys: [] },
    ),
    order: optional(count), block: optional(count), callLatenciesMs: optional(fc.array(amount, { maxLength: 3 })),
    attempt: optional(fc.integer({ min: 1, max: 9 })),
    phases: optional(fc.array(fc.record({ name: text, startMs: fc.integer({ min: -5, max: 1e6 }), durationMs: amount }), { maxLength: 2 })),
    decomposition: optional(decomposition),
  })
  .map((r) => JSON.parse(JSON.stringify(r)) as Record<string, unknown>); // as read from a line: absent, not undefined

const anyValue = fc.oneof(
  fc.constant(undefined), fc.constant(null), fc.string({ maxLength: 3 }), fc.constant(''), fc.integer({ min: -3, max: 3 }),
  fc.double(), fc.constant(1.5), fc.constant(-0), fc.constant(2 ** 60), fc.boolean(), fc.constant([]), fc.constant({}), fc.constant(['x']),
);

/** One path into a record (top level, or one level into an object or array it holds). */
function paths(r: Record<string, unknown>): string[][] {
  const out: string[][] = [];
  for (const [k, v] of Object.entries(r)) {
    out.push([k]);
    if (v && typeof v === 'object') for (const [k2, v2] of Object.entries(v)) {
      out.push([k, k2]);
      if (v2 && typeof v2 === 'object') for (const k3 of Object.keys(v2)) out.push([k, k2, k3]);
    }
  }
  return out;
}

/** A record with one change: a value replaced, a key deleted (a hole, in an array), an unknown key added to an object or an element to an array. */
const mutated = fc.tuple(record, fc.nat(), fc.constantFrom('set', 'delete', 'add'), anyValue).map(([r, pick, how, value]) => {
  const copy = structuredClone(r);
  const all = paths(copy);
  const path = all[pick % all.length] as string[];
  let target = copy as Record<string, unknown>;
  for (const k of path.slice(0, -1)) target = target[k] as Record<string, unknown>;
  const last = path[path.length - 1] as string;
  if (how === 'set') target[last] = value;
  else if (how === 'delete') delete target[last];
  else if (Array.isArray(target[last])) (target[last] as unknown[]).push(value);
  else if (typeof target[last] === 'object' && target[last] !== null) (target[last] as Record<string, unknown>)['extra'] = value;
  else copy['extra'] = value;
  return copy;
});

describe('RunRecord fast check', () => {
  test('its key counts are the schemas\' (a field added to the schema must be added to the check)', () => {
    const shape = RunRecordV1Schema.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>;
    const required = Object.keys(shape).filter((k) => !(shape[k] as { safeParse(v: unknown): { success: boolean } }).safeParse(undefined).success);
    assert.equal(GUARDED_KEY_COUNTS.requiredRecord, required.length, required.join(', '));
    assert.equal(GUARDED_KEY_COUNTS.optionalRecord, Object.keys(shape).length - required.length);
    assert.equal(GUARDED_KEY_COUNTS.usage, Object.keys(RunUsageSchema.shape).length);
    assert.equal(GUARDED_KEY_COUNTS.phase, Object.keys(RecordPhaseSchema.shape).length);
    assert.equal(GUARDED_KEY_COUNTS.decomposition, Object.keys(DecompositionSchema.shape).length);
  });

  test('every record shaped as agentab writes it takes the fast path, and zod returns an equal value', () => {
    fc.assert(
      fc.property(record, (r) => {
        assert.equal(isPlainRunRecordV1(r), true, JSON.stringify(r));
        assert.deepStrictEqual(RunRecordV1Schema.parse(r), r);
      }),
      { numRuns: 1500 },
    );
  });

  test('never accepts what the schema refuses; what it accepts, zod returns unchanged', () => {
    let accepted = 0;
    let refused = 0;
    fc.assert(
      fc.property(mutated, (r) => {
        const zod = RunRecordV1Schema.safeParse(r);
        if (isPlainRunRecordV1(r)) {
          accepted++;
          assert.ok(zod.success, `accepted a record zod refuses: ${JSON.stringify(r)}`);
          assert.deepStrictEqual(zod.data, r);
        } else refused++;
      }),
      { numRuns: 6000 },
    );
    // both sides exercised: some mutations keep a record valid, most do not
    assert.ok(accepted > 100 && refused > 1000, `accepted ${accepted}, refused ${refused}`);
  });

  test('parseRunRecord returns the parsed value itself on the fast path, a stripped copy otherwise', () => {
    const line = '{"v":1,"experiment":"e","runId":"r","cell":"c","runner":"claude","runnerVersion":null,"condition":"baseline","task":"t","rep":0,"launcher":"local","host":"h","startedAt":"2025-01-01T00:00:00.000Z","wallMs":10,"exitCode":0,"outcome":"pass","calls":1,"usage":{"input":1,"output":1,"cacheRead":0,"cacheWrite":0,"reasoning":0},"costUsd":0,"modelMs":5,"ttftMs":null,"overheadMs":1,"runnerReported":{"model":"m"},"env":{"vm":"x"}}';
    const raw = JSON.parse(line) as Record<string, unknown>;
    assert.equal(parseRunRecord(raw), raw);
    const withUnknown = { ...raw, later: 'a field of a newer writer' };
    const parsed = parseRunRecord(withUnknown);
    assert.notEqual(parsed, withUnknown);
    assert.equal('later' in parsed, false);
    assert.throws(() => parseRunRecord({ ...raw, wallMs: -1 }), /invalid run record at wallMs/);
  });
});
