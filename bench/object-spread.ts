/**
 * What building an object with a spread costs on this Node, against the same object built key
 * by key, measured in one run (the reason for util/objects.ts and
 * test/architecture/object-spread.test.ts). Each form builds the same 4-key object from a
 * 3-key one; the ratio is against "key by key".
 *
 *   npx tsx bench/object-spread.ts [--iterations 1000000]
 */
import { intFlag } from './lib/flags.ts';
import { withProps } from '../src/util/objects.ts';

interface Peek {
  alias: string;
  stream: boolean;
  clientWantsUsage: boolean;
}

const FORMS: Array<[string, (p: Peek) => object]> = [
  ['key by key', (p) => ({ alias: p.alias, stream: p.stream, clientWantsUsage: p.clientWantsUsage, request: 1 })],
  ['{ ...p } (a plain copy)', (p) => ({ ...p })],
  ['{ key, ...p } (spread last)', (p) => ({ request: 1, ...p })],
  ['{ ...p, key } (a property after the spread)', (p) => ({ ...p, request: 1 })],
  ['{ ...p } then o.key = …', (p) => {
    const copy: Record<string, unknown> = { ...p };
    copy.request = 1;
    return copy;
  }],
  ['{ ...(c ? { a } : {}), key }', (p) => ({ ...(p.stream ? { stream: true } : {}), alias: p.alias })],
  ['withProps(p, { key })', (p) => withProps(p, { request: 1 })],
];

function nsPerBuild(build: (p: Peek) => object, iterations: number): number {
  const input: Peek = { alias: 'bench', stream: true, clientWantsUsage: false };
  // Every object is stored, so the JIT cannot leave it unbuilt (escape analysis).
  const kept: object[] = new Array(1024);
  let best = Infinity;
  // Three passes, the fastest kept: the first one also warms the JIT up.
  for (let pass = 0; pass < 3; pass++) {
    const started = performance.now();
    for (let i = 0; i < iterations; i++) kept[i & 1023] = build(input);
    best = Math.min(best, ((performance.now() - started) * 1e6) / iterations);
  }
  if (kept.some((o) => o === undefined)) throw new Error('not every object was built');
  return best;
}

const iterations = intFlag(process.argv.slice(2), 'iterations', 1_000_000);
const results = FORMS.map(([name, build]) => ({ name, ns: nsPerBuild(build, iterations) }));
const base = results[0]!.ns;
process.stdout.write(`# Object spreads on Node ${process.versions.node} (V8 ${process.versions.v8}), ${iterations} builds per form, fastest of 3 passes\n\n`);
process.stdout.write('| form | ns per object | ÷ key by key |\n| --- | --: | --: |\n');
for (const r of results) process.stdout.write(`| ${r.name} | ${r.ns.toFixed(1)} | ${(r.ns / base).toFixed(1)} |\n`);
