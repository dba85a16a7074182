/**
 * What the report's numbers come from, for its header: the backends and upstream models that
 * answered, whether the model was simulated, the runners and their versions, launchers and the
 * span of the runs. A reader must never take simulated data for a real model's.
 */
import type { RunRecord } from '../experiment/run-record.ts';
import { sameJson } from '../util/json-values.ts';

export interface ReportProvenance {
  /** Per model alias the runners asked for: the `backend/model` pairs that answered it. */
  models: { alias: string; upstreams: string[] }[];
  /** all: every call answered by the simulator; some: part of them; none; unknown: records without upstreams. */
  simulated: 'all' | 'some' | 'none' | 'unknown';
  runners: { name: string; versions: string[] }[];
  launchers: string[];
  proxyVersions: string[];
  /** Earliest and latest cell start (ISO 8601). */
  firstStartedAt: string | null;
  lastStartedAt: string | null;
}

const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/** Who answered a record's calls: its upstreams, or (older records) its sim-cache setting; null when not recorded. */
function answeredBy(r: RunRecord): 'sim' | 'real' | 'both' | null {
  const ups = r.env.upstreams;
  if (ups?.length) {
    let sims = 0; // a loop, not filter: no array per record (a report reads a million of them)
    for (const u of ups) if (u.startsWith('sim/')) sims++;
    return sims === ups.length ? 'sim' : sims === 0 ? 'real' : 'both';
  }
  return r.env['simCache'] !== undefined ? 'sim' : null;
}

export function provenanceOf(records: readonly RunRecord[]): ReportProvenance {
  const byAlias = new Map<string, Set<string>>();
  const versions = new Map<string, Set<string>>();
  let sim = 0;
  let real = 0;
  let unknown = 0;
  let first: string | null = null;
  let last: string | null = null;
  const launchers = new Set<string>();
  const proxyVersions = new Set<string>();
  // Records in a row mostly share these strings (pooled records come group by group), each one a
  // new string from JSON.parse that a Set or Map would hash again: a value equal to the previous
  // record's is not looked up again (a million records).
  let lastLauncher: string | undefined;
  let lastProxyVersion: string | undefined;
  let lastAlias: string | undefined;
  let aliasUpstreams = new Set<string>();
  let lastUpstreams: readonly string[] | undefined;
  let lastRunner: string | undefined;
  let runnerVersions = new Set<string>();
  let lastRunnerVersion: string | undefined;
  // indexed loops: a for…of loop that runs once makes an iterator result per record
  for (let i = 0; i < records.length; i++) {
    const r = records[i] as RunRecord;
    if (r.launcher !== lastLauncher) launchers.add((lastLauncher = r.launcher));
    const proxyVersion = r.env.proxyVersion;
    if (proxyVersion && proxyVersion !== lastProxyVersion) proxyVersions.add((lastProxyVersion = proxyVersion));
    const alias = typeof r.runnerReported['model'] === 'string' ? (r.runnerReported['model'] as string) : '(alias not recorded)';
    if (alias !== lastAlias) {
      let ups = byAlias.get(alias);
      if (!ups) byAlias.set(alias, (ups = new Set()));
      aliasUpstreams = ups;
      lastAlias = alias;
      lastUpstreams = undefined;
    }
    const upstreams = r.env.upstreams;
    if (upstreams && !sameJson(upstreams, lastUpstreams)) {
      for (let j = 0; j < upstreams.length; j++) aliasUpstreams.add(upstreams[j] as string);
      lastUpstreams = upstreams;
    }
    if (r.runner !== lastRunner) {
      let v = versions.get(r.runner);
      if (!v) versions.set(r.runner, (v = new Set()));
      runnerVersions = v;
      lastRunner = r.runner;
      lastRunnerVersion = undefined;
    }
    if (r.runnerVersion && r.runnerVersion !== lastRunnerVersion) runnerVersions.add((lastRunnerVersion = r.runnerVersion));
    if (r.calls > 0) {
      const by = answeredBy(r);
      if (by === 'sim' || by === 'both') sim++;
      if (by === 'real' || by === 'both') real++;
      if (by === null) unknown++;
    }
    if (first === null || r.startedAt < first) first = r.startedAt;
    if (last === null || r.startedAt > last) last = r.startedAt;
  }
  const simulated = sim > 0 && real === 0 && unknown === 0 ? 'all' : sim > 0 ? 'some' : real > 0 && unknown === 0 ? 'none' : 'unknown';
  return {
    models: sorted(byAlias.keys()).map((alias) => ({ alias, upstreams: sorted(byAlias.get(alias) ?? []) })),
    simulated,
    runners: sorted(versions.keys()).map((name) => ({ name, versions: sorted(versions.get(name) ?? []) })),
    launchers: sorted(launchers),
    proxyVersions: sorted(proxyVersions),
    firstStartedAt: first,
    lastStartedAt: last,
  };
}

/** The header lines (plain text) shared by the Markdown and HTML renderers. */
export function provenanceLines(p: ReportProvenance): { banner: string | null; lines: string[] } {
  const banner =
    p.simulated === 'all'
      ? 'SIMULATED MODEL: every call was answered by agentab\'s simulator, not a real model. Token counts and costs follow the simulated script; latencies are the simulator\'s settings plus the agents\' real overhead. Use this run to check the setup, not to judge a model.'
      : p.simulated === 'some'
        ? 'PARTLY SIMULATED: some calls were answered by agentab\'s simulator, not a real model (see the backends below).'
        : null;
  const models = p.models.map((m) => `${m.alias} → ${m.upstreams.length ? m.upstreams.join(', ') : 'backend not recorded'}`).join('; ');
  const runners = p.runners.map((x) => `${x.name} ${x.versions.length ? x.versions.join(', ') : '(version unknown)'}`).join(', ');
  const span = p.firstStartedAt && p.lastStartedAt ? `${p.firstStartedAt.slice(0, 16).replace('T', ' ')} – ${p.lastStartedAt.slice(0, 16).replace('T', ' ')} UTC` : 'unknown';
  return {
    banner,
    lines: [
      `Model (alias → backend/upstream model): ${models || 'none recorded'}`,
      `Runners: ${runners || 'none'} · launcher ${p.launchers.join(', ') || 'unknown'} · agentab proxy ${p.proxyVersions.join(', ') || 'version not recorded'} · cells started ${span}`,
    ],
  };
}
