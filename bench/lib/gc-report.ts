/**
 * Reads what bench/lib/gc-stats.mjs wrote for each gateway and puts it per request and per
 * young-generation collection, as a markdown table (bench/floor.ts --gc).
 */
import { existsSync, readFileSync } from 'node:fs';

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
