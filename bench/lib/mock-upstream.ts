/**
 * The pre-serialised mock upstream (fake-upstreams.ts) as its own process, the way the
 * independent gateway benchmarks measure added latency: a mock whose own cost is a few tens of
 * µs per request, so at c=16 it is never the bottleneck and what a hop adds is the hop's own
 * work. `node --import tsx bench/lib/mock-upstream.ts` prints its URL; SIGTERM stops it.
 */
import { startFakeUpstreams } from './fake-upstreams.ts';

const upstream = await startFakeUpstreams();
process.stdout.write(`${upstream.url}\n`);
process.once('SIGTERM', () => void upstream.close().then(() => process.exit(0)));
