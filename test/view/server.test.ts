/**
 * `agentab view`'s server on real pilot runs (fixtures): the API's answers against the records
 * and spend logs, filters, the refusal of every path that leaves the results, the token, the
 * Host check, and live updates when a record is appended.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, readFile, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { silentLogger } from '../../src/util/log.ts';
import { startViewServer, type ViewServer } from '../../src/view/server.ts';
import type { RunSummary } from '../../src/view/runs.ts';
import type { CellDetail, OverviewReport } from '../../src/view/store.ts';
import { buildReport } from '../../src/report/analyze.ts';
import { loadRecords } from '../../src/report/load.ts';
import { buildTimedReport } from '../../src/report/timed-report.ts';
import { timeSplitIntro, timeSplitTable } from '../../src/report/time-split.ts';
import { rawGet, resultsCopy } from './helpers.ts';

async function json<T>(url: string): Promise<T> {
  const res = await fetch(url);
  assert.equal(res.status, 200, `${url}: ${res.status}`);
  return (await res.json()) as T;
}

describe('agentab view server', () => {
  let root: string;
  let view: ViewServer;
  let base: string;
  let runs: RunSummary[];

  before(async () => {
    root = await resultsCopy();
    view = await startViewServer({ inputs: [root], port: 0, log: silentLogger, pollMs: 100 });
    base = view.url.replace(/\/$/, '');
    runs = (await json<{ runs: RunSummary[] }>(`${base}/api/runs`)).runs;
  });
  after(async () => {
    await view?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  test('the run list summarises each run from its records', async () => {
    assert.equal(runs.length, 2);
    for (const run of runs) {
      const lines = (await readFile(path.join(run.dir, 'records.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { outcome: string; costUsd: number });
      assert.equal(run.recorded, lines.length);
      assert.equal(run.pass, lines.filter((l) => l.outcome === 'pass').length);
      assert.ok(Math.abs(run.costUsd - lines.reduce((s, l) => s + l.costUsd, 0)) < 1e-9);
      assert.equal(run.experiment, 'pilot');
      assert.deepEqual(run.backends, ['sim']);
      assert.equal(run.simulated, true);
      assert.deepEqual(run.runners.map((r) => r.name), ['claude', 'opencode']);
    }
  });

  test('the overview carries the verdicts of every runner × condition × metric', async () => {
    const key = (runs[0] as RunSummary).key;
    const { report } = await json<{ report: { headlines: { runner: string; condition: string; metric: string; verdict: string }[]; runners: string[]; options: { metrics: string[] } } }>(`${base}/api/runs/${key}`);
    assert.deepEqual(report.runners, ['claude', 'opencode']);
    assert.equal(report.headlines.length, 2 * report.options.metrics.length);
    for (const h of report.headlines) assert.ok(['improved', 'regressed', 'no-change', 'inconclusive'].includes(h.verdict), h.verdict);
  });

  test('the overview has the report\'s time split (model, tools, harness) and the plots the slowest cell of each group as a waterfall linking to it', async () => {
    const run = runs[0] as RunSummary;
    const { report } = await json<{ report: OverviewReport }>(`${base}/api/runs/${run.key}`);
    // the report's own computation and wording (the report `agentab report` writes), not a second one
    const expected = await buildTimedReport(await loadRecords([run.dir]));
    assert.ok(expected.timeSplit.length > 0, 'the pilot cells give decompositions');
    assert.ok(report.timeSplit);
    assert.deepEqual(report.timeSplit.intro, timeSplitIntro(expected, expected.timeSplit));
    assert.deepEqual(report.timeSplit.runners.map((r) => r.runner), ['claude', 'opencode']);
    for (const r of report.timeSplit.runners) {
      assert.deepEqual(r.table, timeSplitTable(expected.timeSplit, r.runner));
      assert.deepEqual(r.table.header.slice(0, 5), ['condition', 'wall', 'model', 'tools', 'harness']);
      assert.equal(r.sentences.length, 1);
      assert.match(r.sentences[0] as string, /^c1 spends .* in the model.* in tools.* in the harness .*than baseline\.$/);
    }
    const plots = await json<{ plots: { id: string; svg: string }[]; waterfalls: { cell: string; runner: string; condition: string; task: string; wallMs: number; svg: string; title: string }[]; waterfallsLeft: number }>(`${base}/api/runs/${run.key}/plots`);
    assert.ok(plots.plots.length > 0 && plots.plots.every((p) => p.svg.startsWith('<svg')));
    // one per runner × condition × task, each the slowest record of its group
    const records = (await readFile(path.join(run.dir, 'records.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { cell: string; runner: string; condition: string; task: string; wallMs: number });
    const groups = new Set(records.map((r) => `${r.runner}/${r.condition}/${r.task}`));
    assert.equal(plots.waterfalls.length, groups.size);
    assert.equal(plots.waterfallsLeft, 0);
    for (const w of plots.waterfalls) {
      const group = records.filter((r) => r.runner === w.runner && r.condition === w.condition && r.task === w.task);
      assert.equal(w.cell, group.reduce((a, b) => (b.wallMs > a.wallMs ? b : a)).cell);
      assert.ok(w.svg.startsWith('<svg') && w.svg.includes('<rect'), 'a drawn waterfall');
      assert.match(w.title, new RegExp(`cell ${w.cell}`));
    }
  });

  test('filters by runner, condition, task, outcome and text', async () => {
    const key = (runs[0] as RunSummary).key;
    const all = await json<{ total: number; matched: number; rows: { cell: string; runner: string; task: string; condition: string }[] }>(`${base}/api/runs/${key}/cells`);
    assert.equal(all.matched, all.total);
    const some = await json<typeof all>(`${base}/api/runs/${key}/cells?runner=claude&task=summarise-doc`);
    assert.ok(some.rows.length > 0 && some.rows.length < all.total);
    assert.ok(some.rows.every((r) => r.runner === 'claude' && r.task === 'summarise-doc'));
    const two = await json<typeof all>(`${base}/api/runs/${key}/cells?condition=baseline,c1&outcome=pass`);
    assert.equal(two.matched, all.total);
    const none = await json<typeof all>(`${base}/api/runs/${key}/cells?outcome=timeout`);
    assert.equal(none.matched, 0);
    const cell = (all.rows[3] as { cell: string }).cell;
    const byText = await json<typeof all>(`${base}/api/runs/${key}/cells?q=${cell.slice(0, 8)}`);
    assert.deepEqual(byText.rows.map((r) => r.cell), [cell]);
  });

  test('a cell page has its calls (tokens add up to the record), transcript tool calls and check', async () => {
    for (const run of runs) {
      const { rows } = await json<{ rows: { cell: string }[] }>(`${base}/api/runs/${run.key}/cells`);
      for (const { cell } of rows) {
        const d = await json<CellDetail>(`${base}/api/runs/${run.key}/cells/${cell}`);
        assert.equal(d.calls.length, d.record.calls, `${cell}: calls`);
        assert.equal(d.calls.reduce((s, c) => s + c.usage.input, 0), d.record.usage.input, `${cell}: input tokens`);
        assert.equal(d.calls.reduce((s, c) => s + c.usage.output, 0), d.record.usage.output, `${cell}: output tokens`);
        const tools = d.transcript.filter((e) => e.kind === 'tool').length;
        assert.equal(tools, (d.record.runnerReported as { toolCalls: number }).toolCalls, `${cell}: tool calls`);
        assert.ok(d.calls.every((c) => c.startMs >= 0 && c.startMs <= d.record.wallMs), `${cell}: calls inside the cell's time`);
        assert.ok(d.logs.check !== null, `${cell}: check log`);
      }
    }
  });

  test('a cell\'s debug bundle downloads as a gzip archive', async () => {
    const run = runs[0] as RunSummary;
    const { rows } = await json<{ rows: { cell: string }[] }>(`${base}/api/runs/${run.key}/cells`);
    const res = await fetch(`${base}/api/runs/${run.key}/cells/${(rows[0] as { cell: string }).cell}/bundle`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/gzip');
    const bytes = Buffer.from(await res.arrayBuffer());
    assert.ok(bytes.length > 500 && bytes[0] === 0x1f && bytes[1] === 0x8b, 'a gzip stream');
    const { gunzipSync } = await import('node:zlib');
    assert.match(gunzipSync(bytes).toString('latin1'), /summary\.json/);
    assert.equal((await fetch(`${base}/api/runs/${run.key}/cells/nosuchcell/bundle`)).status, 404);
  });

  test('large payloads are cut with their size noted', async () => {
    const { payload } = await import('../../src/view/transcript.ts');
    const big = payload('x'.repeat(10_000));
    assert.equal(big.cut, true);
    assert.equal(big.bytes, 10_000);
    assert.equal(big.text.length, 2000);
    assert.equal(payload('small').cut, false);
  });

  test('refuses every path that leaves the results', async () => {
    const port = Number(new URL(base).port);
    const key = (runs[0] as RunSummary).key;
    const { rows } = await json<{ rows: { cell: string }[] }>(`${base}/api/runs/${key}/cells`);
    const cell = (rows[0] as { cell: string }).cell;
    // a symlink planted in a cell directory that points outside the run
    const planted = path.join((runs[0] as RunSummary).dir, 'cells', cell, 'setup.log');
    await unlink(planted).catch(() => undefined);
    await symlink('/etc/passwd', planted);
    const attempts = [
      '/../../../../etc/passwd',
      '/api/runs/../../../etc/passwd',
      '/api/runs/%2e%2e%2f%2e%2e%2fetc/cells',
      `/api/runs/${key}/cells/..%2f..%2f..%2fetc/files/passwd`,
      `/api/runs/${key}/cells/${cell}/files/..%2f..%2fmanifest.json`,
      `/api/runs/${key}/cells/${cell}/files/%2fetc%2fpasswd`,
      `/api/runs/${key}/cells/${cell}/files/setup.log`,
      `/api/runs/${key}/cells/%00/files/record.json`,
      `/api/runs/${key}/cells/${'a'.repeat(500)}`,
      '/app.js/../../../../etc/passwd',
      '/%2e%2e/%2e%2e/etc/passwd',
      '/api/runs/..%5c..%5cetc',
    ];
    for (const target of attempts) {
      const r = await rawGet(port, target);
      assert.ok(r.status >= 400 && r.status < 500, `${target}: status ${r.status}`);
      assert.ok(!r.body.includes('root:x:0'), `${target} leaked /etc/passwd`);
    }
    // the planted link is refused, an honest file of the same cell is served
    assert.equal((await rawGet(port, `/api/runs/${key}/cells/${cell}/files/setup.log`)).status, 403);
    assert.equal((await rawGet(port, `/api/runs/${key}/cells/${cell}/files/record.json`)).status, 200);
    await unlink(planted);
  });

  test('refuses a foreign Host (DNS rebinding) and anything but GET', async () => {
    const port = Number(new URL(base).port);
    assert.equal((await rawGet(port, '/api/runs', { host: 'evil.example:80' })).status, 403);
    const res = await fetch(`${base}/api/runs`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 405);
  });

  test('live: appending a record announces the run on /api/events', async () => {
    const run = runs[0] as RunSummary;
    const controller = new AbortController();
    const res = await fetch(`${base}/api/events`, { signal: controller.signal });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const line = (await readFile(path.join(run.dir, 'records.jsonl'), 'utf8')).trim().split('\n')[0] as string;
    await appendFile(path.join(run.dir, 'records.jsonl'), line.replace(/"cell":"[^"]+"/, '"cell":"live0000cell"') + '\n');
    let seen = '';
    const deadline = Date.now() + 15_000;
    while (!seen.includes('event: run') && Date.now() < deadline) {
      const chunk = await Promise.race([reader.read(), new Promise<null>((r) => setTimeout(() => r(null), 1000))]);
      if (chunk && !chunk.done) seen += new TextDecoder().decode(chunk.value);
    }
    controller.abort();
    assert.match(seen, /event: run\ndata: \{"key":"[^"]+","recorded":17/);
    const { total } = await json<{ total: number }>(`${base}/api/runs/${run.key}/cells`);
    assert.equal(total, 17);
  });
});

describe('agentab view shutdown', () => {
  test('close() finishes when a page, busy with a slow request at that moment, then reopens its live-update stream on the same connection', async () => {
    const root = await resultsCopy(['pilot-a']);
    const view = await startViewServer({ inputs: [root], port: 0, log: silentLogger });
    const key = (await view.store.refresh())[0]?.key as string;
    const net = await import('node:net');
    const socket = net.connect(Number(new URL(view.url).port), '127.0.0.1');
    const get = (target: string): string => `GET ${target} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: keep-alive\r\n\r\n`;
    let asked = false;
    // as a browser does: the plots (seconds of work) first; when they answer, the EventSource's
    // retry reuses that kept-alive connection
    socket.on('data', () => {
      if (asked || socket.destroyed) return;
      asked = true;
      socket.write(get('/api/events'));
    });
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(get(`/api/runs/${key}/plots`));
    try {
      await new Promise<void>((resolve) => setTimeout(resolve, 100));
      const outcome = await Promise.race([view.close().then(() => 'closed'), new Promise<string>((resolve) => setTimeout(() => resolve('still open after 60 s'), 60_000).unref())]);
      assert.equal(outcome, 'closed');
    } finally {
      socket.destroy();
      await rm(root, { recursive: true, force: true });
    }
  });
});

describe('agentab view token', () => {
  test('bound with a token, requests without it are refused; the token sets a cookie', async () => {
    const root = await resultsCopy(['pilot-a']);
    const view = await startViewServer({ inputs: [root], port: 0, token: 'sesame-0123456789', log: silentLogger });
    try {
      const base = view.url.split('?')[0]?.replace(/\/$/, '') as string;
      assert.match(view.url, /\?token=sesame-0123456789$/);
      assert.equal((await fetch(`${base}/api/runs`)).status, 401);
      assert.equal((await fetch(`${base}/api/runs?token=wrong`)).status, 401);
      const ok = await fetch(`${base}/api/runs?token=sesame-0123456789`);
      assert.equal(ok.status, 200);
      const cookie = (ok.headers.get('set-cookie') ?? '').split(';')[0] as string;
      assert.match(cookie, /^agentab_view_token=/);
      assert.equal((await fetch(`${base}/api/runs`, { headers: { cookie } })).status, 200);
      assert.equal((await fetch(`${base}/api/runs`, { headers: { authorization: 'Bearer sesame-0123456789' } })).status, 200);
    } finally {
      await view.close();
      await rm(root, { recursive: true, force: true });
    }
  });

  test('binding beyond loopback without a token is refused', async () => {
    await assert.rejects(startViewServer({ inputs: ['.'], host: '0.0.0.0', port: 0, log: silentLogger }), /needs a token/);
  });
});

describe('agentab view: success first, as the report decides it', () => {
  test('a condition that failed its runs reads as worse and overall regressed (Wilson, Fisher, from the report), with links to its cells', async () => {
    const root = await resultsCopy(['pilot-b']);
    try {
      // claude/c1 fails every task in this copy of a real run
      const runDir = path.join(root, 'pilot', '20261127-141752-948f');
      const file = path.join(runDir, 'records.jsonl');
      const lines = (await readFile(file, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { runner: string; condition: string; outcome: string });
      for (const r of lines) if (r.runner === 'claude' && r.condition === 'c1') r.outcome = 'fail';
      await writeFile(file, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
      const view = await startViewServer({ inputs: [root], port: 0, log: silentLogger });
      try {
        const base = view.url.replace(/\/$/, '');
        const [run] = (await json<{ runs: RunSummary[] }>(`${base}/api/runs`)).runs;
        const { report } = await json<{ report: OverviewReport }>(`${base}/api/runs/${run!.key}`);
        // the numbers are the report's own (same records, same code), not a second computation
        const expected = buildReport(await loadRecords([runDir]));
        assert.equal(report.success.length, 2);
        for (const s of report.success) {
          const { line, ...comparison } = s;
          assert.deepEqual(comparison, expected.success.find((x) => x.runner === s.runner && x.condition === s.condition));
          assert.equal(line.metric, 'success rate');
        }
        const claude = report.success.find((s) => s.runner === 'claude')!;
        assert.equal(claude.verdict, 'worse');
        assert.deepEqual([claude.cond?.k, claude.cond?.n, claude.base?.k, claude.base?.n], [0, 4, 4, 4]);
        assert.match(claude.line.summary, /^0\/4 0% \[0%, [\d.]+%\] vs 4\/4 100% \[[\d.]+%, 100%\] in baseline$/);
        assert.match(claude.line.details.join(' · '), /Fisher exact p = 0\.029/);
        assert.equal(report.success.find((s) => s.runner === 'opencode')?.verdict, 'same');
        assert.equal(report.overall.find((o) => o.runner === 'claude')?.overall, 'regressed');
        assert.equal(report.overall.find((o) => o.runner === 'opencode')?.overall, null);
      } finally {
        await view.close();
      }
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
