import { makeSpendRecord, type SpendRecord } from '../../src/proxy/spend/record.ts';

/** A valid spend record; fields can be overridden. */
export function sampleRecord(over: Partial<SpendRecord> = {}): SpendRecord {
  return {
    ...makeSpendRecord({
      id: 'req_1',
      ts: '2025-06-01T12:00:00.000Z',
      cell: 'c0ffee',
      run: 'run1',
      surface: 'anthropic',
      path: '/cell/c0ffee/v1/messages',
      endpoint: 'messages',
      alias: 'shared-model',
      deployment: 'shared-model#0',
      backend: 'sim',
      upstreamModel: 'sim',
      stream: true,
      status: 200,
      error: null,
      attempts: 1,
      ttftMs: 120,
      durationMs: 900,
      upstreamMs: 899.5,
      overheadMs: 0.5,
      usage: { input: 1000, output: 200, cacheRead: 0, cacheWrite: 0, reasoning: 0 },
      costUsd: 0.0008,
      finish: 'stop',
      toolCalls: 0,
      reqBytes: 4096,
      resBytes: 2048,
      client: 'claude-cli/2.1.197',
      session: null,
    }),
    ...over,
  };
}
