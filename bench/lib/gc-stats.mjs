// Preloaded into a gateway under test (`node --import <this file>?out=<file.json>`, bench/floor.ts
// --gc): what its garbage collections cost and kept, from V8's own GC profiler (node:v8
// GCProfiler: the heap's spaces before and after each collection), and how many HTTP requests
// the process served (the `http.server.request.start` diagnostics channel), so the figures can be
// put per request for every gateway alike. Every half second, and at exit, the totals so far are
// written to `out` as JSON (GcStats in bench/lib/gc-report.ts).
//
// A young-generation collection (Scavenge) costs in proportion to what survives it: the
// new-space bytes left after it (`survived`) and the old-space bytes it added (`promoted`, objects
// that survived a second one) are what the eleventh and twelfth passes of bench/PROFILE.md traced
// with --trace-gc-nvp; this reports them without taking over the gateway's stdout.
import { subscribe } from 'node:diagnostics_channel';
import { writeFileSync } from 'node:fs';
import { GCProfiler } from 'node:v8';

const out = new URL(import.meta.url).searchParams.get('out');
if (!out) throw new Error('bench/lib/gc-stats.mjs: import it as gc-stats.mjs?out=<file.json>');

const totals = { requests: 0, scavenges: 0, scavengeMs: 0, survivedBytes: 0, promotedBytes: 0, fullCollections: 0, fullMs: 0 };
subscribe('http.server.request.start', () => {
  totals.requests++;
});

const OLD_SPACES = new Set(['old_space', 'large_object_space', 'code_space']);
const usedIn = (spaces, wanted) => spaces.reduce((sum, space) => (wanted(space.spaceName) ? sum + space.spaceUsedSize : sum), 0);

let profiler = new GCProfiler();
profiler.start();

function harvest() {
  const { statistics } = profiler.stop();
  profiler = new GCProfiler();
  profiler.start();
  for (const gc of statistics) {
    const before = gc.beforeGC.heapSpaceStatistics;
    const after = gc.afterGC.heapSpaceStatistics;
    if (gc.gcType === 'Scavenge') {
      totals.scavenges++;
      totals.scavengeMs += gc.cost / 1000;
      totals.survivedBytes += usedIn(after, (name) => name === 'new_space');
      totals.promotedBytes += Math.max(0, usedIn(after, (name) => OLD_SPACES.has(name)) - usedIn(before, (name) => OLD_SPACES.has(name)));
    } else if (gc.gcType === 'MarkSweepCompact') {
      totals.fullCollections++;
      totals.fullMs += gc.cost / 1000;
    }
  }
  writeFileSync(out, JSON.stringify(totals));
}

setInterval(harvest, 500).unref();
process.on('exit', harvest);
