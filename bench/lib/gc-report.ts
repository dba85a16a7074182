/**
 * Reads what bench/lib/gc-stats.mjs wrote for each gateway and puts it per request and per
 * young-generation collection, as a markdown section (bench/floor.ts and bench/proxy-ab.ts --gc).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** What gc-stats.mjs writes: totals over the process's life, warm-up included. */
export interface GcStats {
  requests: number;
  scavenges: number;
  scavengeMs: number;
  survivedBytes: number;
  promotedBytes: number;
  fullCollections: number;
  fullMs: number;
}

/** Where the gateway `name` of a bench run writes its GcStats, in the run's directory `dir`. */
export function gcStatsPath(dir: string, name: string): string {
  return join(dir, `gc-${name}.json`);
}

export function readGcStats(file: string): GcStats | null {
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as GcStats) : null;
}

export function gcTable(rows: { target: string; stats: GcStats | null }[]): string[] {
  const lines = [
    '| target | requests | scavenges per 1,000 requests | survived per scavenge | promoted per scavenge | scavenge pause per request | full collections (ms) |',
    '| --- | --: | --: | --: | --: | --: | --: |',
  ];
  for (const { target, stats } of rows) {
    if (!stats || stats.requests === 0) {
      lines.push(`| ${target} | – | – | – | – | – | – |`);
      continue;
    }
    const perScavenge = (bytes: number) => (stats.scavenges ? `${(bytes / stats.scavenges / 1024).toFixed(0)} kB` : '–');
    lines.push(
      `| ${target} | ${stats.requests} | ${((1000 * stats.scavenges) / stats.requests).toFixed(1)} | ${perScavenge(stats.survivedBytes)} | ${perScavenge(stats.promotedBytes)} | ${((1000 * stats.scavengeMs) / stats.requests).toFixed(2)} µs | ${stats.fullCollections} (${stats.fullMs.toFixed(0)}) |`,
    );
  }
  return lines;
}

/**
 * The section a bench prints once its gateways have stopped (each preload writes its totals at
 * exit): one row per gateway, `target` as the bench names it, `name` as its files are named.
 */
export function gcSection(dir: string, gateways: { target: string; name: string }[]): string {
  const table = gcTable(gateways.map(({ target, name }) => ({ target, stats: readGcStats(gcStatsPath(dir, name)) })));
  return ['', "## Garbage collection over each process's life (warm-up and every mode included)", '', ...table, ''].join('\n');
}
