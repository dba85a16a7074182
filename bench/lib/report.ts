/** The run's results as one JSON document and the same as Markdown tables. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ADDED_LATENCY_PROFILE, marginCall } from './added-latency.ts';
import type { Interval } from './bootstrap.ts';
import type { BenchReport } from './results.ts';
import { agentabOverPeer, agentabOverPeerByCpu, find, type Mode, type ProfileId, type UpstreamProfile } from './scenarios.ts';

const n = (x: number | null | undefined, d = 1): string => (x === null || x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(d));
const signed = (x: number | null, d = 2): string => (x === null ? '–' : `${x >= 0 ? '+' : ''}${x.toFixed(d)}`);
const row = (cells: string[]): string => `| ${cells.join(' | ')} |`;

function resultsTable(r: BenchReport, profile: UpstreamProfile): string[] {
  const head = ['mode', 'c', 'target', 'req/s', '× direct', '× peer', 'p50 ms', 'p99 ms', 'added p50', 'added p99', 'TTFB p50', 'added TTFB p50', 'gateway CPU µs/req', 'CPU-bound × direct', 'CPU-bound × peer', 'errors'];
  const lines = [row(head), row(head.map(() => '---'))];
  for (const mode of profile.modes) {
    for (const c of profile.concurrencies ?? r.options.concurrencies) {
      for (const target of ['direct', 'naive', 'agentab', 'portkey'] as const) {
        const m = find(r.measurements, profile.id, mode, c, target);
        if (!m) continue;
        const cmp = r.comparisons.find((x) => x.profile === profile.id && x.mode === mode && x.concurrency === c && x.target === target);
        const isA = target === 'agentab';
        lines.push(
          row([
            mode, String(c), target, n(m.result.rps, 0), n(cmp?.throughputRatio, 2), isA ? n(agentabOverPeer(r.measurements, profile.id, mode, c), 1) : '–',
            n(m.result.total.p50, 2), n(m.result.total.p99, 2), signed(cmp?.addedP50 ?? null), signed(cmp?.addedP99 ?? null),
            n(m.result.ttfb.p50, 2), signed(cmp?.addedTtfbP50 ?? null), n(cmp?.gatewayCpuUs, 0), n(cmp?.cpuBoundRatio, 2),
            isA ? n(agentabOverPeerByCpu(r.measurements, profile.id, mode, c), 1) : '–', String(m.result.errors),
          ]),
        );
      }
    }
  }
  return lines;
}

function addedLatencyTable(r: BenchReport): string[] {
  const ci = (x: Interval | null | undefined, unit = '') => (x ? `${signed(x.point)} [${signed(x.lo)}, ${signed(x.hi)}]${unit}` : '–');
  const times = (x: Interval | null | undefined) => (x ? `${x.point.toFixed(2)}× [${x.lo.toFixed(2)}, ${x.hi.toFixed(2)}]` : '–');
  const lines = [
    '## Added latency vs direct, mock upstream (ms, 95 % bootstrap CIs)',
    '',
    'ratio = agentab added ÷ naive added; margin = 1.25 × naive added − agentab added (≥ 0: within the goal; the three arms resampled together).',
    '',
    row(['mode', 'c', 'target', 'requests (gateway / direct)', 'added p50', 'added p99', 'p50 × naive', 'p99 × naive', 'p50 margin', 'p99 margin']),
    row(Array(10).fill('---')),
  ];
  for (const a of r.addedLatency) {
    const v = a.vsNaive;
    lines.push(row([a.mode, String(a.concurrency), a.target, `${a.n.gateway} / ${a.n.direct}`, ci(a.p50), ci(a.p99), times(v?.p50?.ratio), times(v?.p99?.ratio), ci(v?.p50?.margin), ci(v?.p99?.margin)]));
  }
  return lines;
}

/**
 * The README's table (issue #16: "the README table is regenerated from them"): the headline
 * rows of this run, ready to paste between the README's bench:proxy markers.
 */
function readmeSummary(r: BenchReport): string[] {
  const top = Math.max(0, ...r.measurements.filter((m) => m.profile === 'throughput').map((m) => m.concurrency));
  const mockTop = Math.max(0, ...r.measurements.filter((m) => m.profile === ADDED_LATENCY_PROFILE).map((m) => m.concurrency));
  const targets = ['direct', 'naive', 'agentab', 'portkey'] as const;
  const rpsOn = (profile: ProfileId, c: number, mode: Mode, t: (typeof targets)[number]) => find(r.measurements, profile, mode, c, t)?.result.rps ?? null;
  const cpuOn = (profile: ProfileId, c: number, mode: Mode, t: (typeof targets)[number]) => find(r.measurements, profile, mode, c, t)?.result.cpuUsPerRequest.gateway ?? null;
  const times = (a: number | null, b: number | null, d = 2) => (a !== null && b !== null && b > 0 ? `${(a / b).toFixed(d)}×` : '–');
  const lines = [
    '## README summary',
    '',
    row(['scenario (c = concurrency, upstream TTFT 0 unless said)', 'direct', 'naive', 'agentab', 'Portkey', 'agentab ÷ naive', 'agentab ÷ Portkey']),
    row(['---', '--:', '--:', '--:', '--:', '--:', '--:']),
  ];
  // The mock upstream first (issue #16's own setup: a fast upstream), then the ttft-0 simulator.
  for (const [profile, c, where] of [[ADDED_LATENCY_PROFILE, mockTop, 'mock upstream'], ['throughput', top, 'ttft-0 simulator']] as const) {
    if (c === 0) continue;
    for (const mode of ['json', 'stream'] as const) {
      const v = targets.map((t) => rpsOn(profile, c, mode, t));
      lines.push(row([`throughput, ${mode === 'json' ? 'JSON' : 'streams'}, c=${c}, ${where}`, ...v.map((x) => (x === null ? '–' : `${x.toFixed(0)} req/s`)), times(v[2]!, v[1]!), times(v[2]!, v[3]!, 1)]));
    }
    const cpuCell = (t: (typeof targets)[number]) => `${n(cpuOn(profile, c, 'json', t), 0)} / ${n(cpuOn(profile, c, 'stream', t), 0)} µs`;
    const cpuRatio = (num: (typeof targets)[number], den: (typeof targets)[number]) =>
      `${times(cpuOn(profile, c, 'json', num), cpuOn(profile, c, 'json', den))} / ${times(cpuOn(profile, c, 'stream', num), cpuOn(profile, c, 'stream', den))}`;
    lines.push(row([`gateway CPU per request, JSON / streams, c=${c}, ${where}`, '–', cpuCell('naive'), cpuCell('agentab'), cpuCell('portkey'), cpuRatio('agentab', 'naive'), `${cpuRatio('portkey', 'agentab')} less`]));
  }
  const ci = (x: { point: number; lo: number; hi: number } | null | undefined) => (x ? `${signed(x.point)} [${signed(x.lo)}, ${signed(x.hi)}] ms` : '–');
  for (const a of r.addedLatency.filter((x) => x.target === 'agentab')) {
    const at = (t: 'naive' | 'portkey') => r.addedLatency.find((x) => x.mode === a.mode && x.concurrency === a.concurrency && x.target === t);
    for (const pct of ['p50', 'p99'] as const) {
      const naive = at('naive')?.[pct];
      const vs = a.vsNaive?.[pct];
      const ratio = vs?.ratio ? `${vs.ratio.point.toFixed(2)}× [${vs.ratio.lo.toFixed(2)}, ${vs.ratio.hi.toFixed(2)}]` : 'n/a (naive ≤ 0)';
      lines.push(row([`added ${pct} latency, ${a.mode === 'json' ? 'JSON' : 'streams'}, c=${a.concurrency} (95 % bootstrap CI)`, '–', ci(naive), ci(a[pct]), ci(at('portkey')?.[pct]), `${ratio}, ${marginCall(vs)}`, '']));
    }
  }
  const streams = r.comparisons.filter((c) => c.profile === 'streams' && c.mode === 'stream');
  if (streams.length) {
    const cell = (t: 'naive' | 'agentab' | 'portkey') => {
      const c = streams.find((x) => x.target === t);
      return c ? `${signed(c.addedP50, 0)} / ${signed(c.addedTtfbP50, 0)} ms` : '–';
    };
    lines.push(row([`${STREAMS_LABEL}, p50 added total / to first byte`, '–', cell('naive'), cell('agentab'), cell('portkey'), '', '']));
  }
  if (r.memory?.rss) {
    const m = r.memory.rss;
    const heap = r.memory.heapAfterGc;
    const heapText = heap ? `; heap after full collections ${n(heap.startMb, 1)} → ${n(heap.endMb, 1)} MB, median of the last 20 % ${n(heap.steadyEndMb, 1)} vs ${n(heap.steadyStartMb, 1)} MB at 20–40 %` : '';
    lines.push(row([`memory over ${r.memory.load.completed} requests (mixed, c=${r.memory.concurrency})`, '', '', `RSS ${n(m.startMb, 0)} → ${n(m.midMb, 0)} → ${n(m.endMb, 0)} MB; median of the last 20 % ${n(m.steadyEndMb, 0)} vs ${n(m.steadyStartMb, 0)} MB at 20–40 %${heapText}`, '', '', '']));
  }
  return [...lines, ''];
}

const STREAMS_LABEL = '100 model-paced streams (40 tokens at 50 tok/s)';

/** What the machine's load means for the verdicts above. */
function loadNote(r: BenchReport): string[] {
  const during = r.machine.loadAvgDuringGrid;
  const high = during ? during[1] : Math.max(r.machine.loadAvgStart[0] ?? 0, r.machine.loadAvgEnd[0] ?? 0);
  const range = during
    ? `${during[0].toFixed(1)}–${during[1].toFixed(1)}`
    : `${(r.machine.loadAvgStart[0] ?? 0).toFixed(1)} at start, ${(r.machine.loadAvgEnd[0] ?? 0).toFixed(1)} at the end of the run`;
  const busy = high > r.machine.cpus / 2;
  return [
    `Load average while the grid ran: ${range} on ${r.machine.cpus} CPUs. ` +
      (busy
        ? 'Other processes competed for the CPUs: req/s and milliseconds moved with them (added p99s the most), and only ratios between targets measured in the same rounds, above all gateway CPU per request, carry over to a quiet machine.'
        : 'A quiet machine: req/s and milliseconds stand as measured.'),
    '',
  ];
}

export function renderMarkdown(r: BenchReport): string {
  const out: string[] = [
    '# Proxy overhead benchmark',
    '',
    `${r.date} · Node ${r.machine.node} · ${r.machine.cpus} CPUs (${r.machine.cpuModel}) · ${r.machine.platform} · ` +
      `load average ${r.machine.loadAvgStart.map((x) => x.toFixed(1)).join('/')} at start, ${r.machine.loadAvgEnd.map((x) => x.toFixed(1)).join('/')} at end`,
    '',
    '## Targets (issues #2 and #16)',
    '',
    row(['target', 'goal', 'measured', 'verdict']),
    row(['---', '---', '---', '---']),
    ...r.goals.map((g) => row([g.name, g.target, g.measured, g.verdict === 'met' ? '**met**' : `**${g.verdict}**`])),
    '',
    ...loadNote(r),
    ...readmeSummary(r),
    'Closed loop, fixed concurrency, one keep-alive connection per in-flight request; latency is',
    'client-side from sending the request to the first body byte (TTFB) and to the last byte',
    '(p50/p99). "added" = gateway percentile − direct percentile at the same concurrency.',
    '"naive" is bench/lib/naive-gateway.mjs, a ~20-line undici pass-through (no parsing, routing or',
    'logging): the floor any Node gateway pays on the same upstream.',
    `Targets take turns in rounds (${r.profiles.map((p) => `${p.id}: ${Math.max(r.options.rounds, p.minRounds)}`).join(', ')}). agentab writes its spend log throughout.`,
    '"CPU-bound" ratios come from CPU time per request (upstream + gateway + load generator, read',
    'from /proc): the throughput ratio two saturated cores would give, insensitive to other load.',
  ];
  if (r.addedLatency.length > 0) out.push('', ...addedLatencyTable(r));
  for (const p of r.profiles) {
    if (!r.measurements.some((m) => m.profile === p.id)) continue;
    out.push('', `## Upstream: ${p.label}`, '', ...resultsTable(r, p));
    const own = r.selfReported.filter((x) => x.profile === p.id);
    if (own.length > 0) {
      const parts = own.map((x) => `${x.mode} p50 ${n(x.overheadMs.p50, 3)} ms, p99 ${n(x.overheadMs.p99, 3)} ms (${x.overheadMs.count} requests)`);
      out.push('', `agentab's own \`overheadMs\` from its spend log, all requests of the grid to this upstream (incl. warm-ups): ${parts.join('; ')}.`);
    }
  }
  if (r.memory) {
    const m = r.memory;
    out.push(
      '',
      `## Memory: ${m.load.completed} requests through agentab (mixed stream/json, c=${m.concurrency}, ttft 0)`,
      '',
      row(['series', 'start MB', 'mid MB', 'end MB', 'peak MB', 'median 20–40 %', 'median last 20 %', 'slope MB/min (all)', 'slope MB/min (after 20 %)', 'samples']),
      row(Array(10).fill('---')),
      ...(
        [
          ['RSS (every 1 s)', m.rss],
          ['heap after a full collection (every 5 s)', m.heapAfterGc],
        ] as const
      )
        .filter(([, s]) => s)
        .map(([name, s]) =>
          row([name, n(s?.startMb, 1), n(s?.midMb, 1), n(s?.endMb, 1), n(s?.peakMb, 1), n(s?.steadyStartMb, 1), n(s?.steadyEndMb, 1), n(s?.slopeMbPerMin, 2), n(s?.steadySlopeMbPerMin, 2), String(s?.samples ?? 0)]),
        ),
      '',
      `${n(m.load.rps, 0)} req/s, ${m.load.errors} errors. The heap is read over the inspector after a full collection: what the proxy still holds, where RSS also keeps pages V8 grew into.`,
    );
  }
  for (const h of r.hotspots) {
    out.push('', `## agentab CPU hotspots: ${h.scenario} (${n(h.rps, 0)} req/s under --cpu-prof, ${n(h.summary.idlePct, 0)} % idle)`, '');
    out.push(row(['self %', 'function (file:line)', 'reached from (nearest src/ frame)']), row(['---', '---', '---']));
    for (const f of h.summary.functions) out.push(row([n(f.selfPct, 1), f.where, f.via ?? '']));
    out.push('', row(['self %', 'file']), row(['---', '---']));
    for (const f of h.summary.files.slice(0, 10)) out.push(row([n(f.selfPct, 1), f.where]));
  }
  out.push('', '## Commands', '', ...Object.entries(r.commands).map(([k, v]) => `- ${k}: \`${v}\``), '');
  return out.join('\n');
}

export function writeReport(r: BenchReport, dir: string): { json: string; md: string } {
  mkdirSync(dir, { recursive: true });
  const json = join(dir, 'proxy-latest.json');
  const md = join(dir, 'proxy-latest.md');
  writeFileSync(json, JSON.stringify(r, null, 2) + '\n');
  writeFileSync(md, renderMarkdown(r));
  return { json, md };
}
