/**
 * The layering rules of src/, checked on the real import graph. Each rule names who may not
 * import whom; a violation lists the importing file and the import.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importGraph } from './import-graph.ts';

const graph = importGraph();

const under = (dir: string) => (p: string) => p === dir || p.startsWith(dir + '/');
const inProxyCore = (p: string) => p.startsWith('proxy/') && !p.startsWith('proxy/backends/');
const inDialectLayer = (p: string) => p.startsWith('proxy/protocols/') || p.startsWith('proxy/surfaces/') || p === 'proxy/surface.ts';
/** The folder of a plugin (`proxy/backends/vertex`), or undefined for shared files beside them. */
const pluginOf = (root: string) => (p: string) => {
  if (!p.startsWith(root + '/')) return undefined;
  const rest = p.slice(root.length + 1).split('/');
  return rest.length > 1 ? `${root}/${rest[0]}` : undefined;
};

function violations(from: (p: string) => boolean, to: (target: string, importer: string) => boolean): string[] {
  const out: string[] = [];
  for (const [file, targets] of graph) {
    if (!from(file)) continue;
    for (const t of targets) if (to(t, file)) out.push(`${file} → ${t}`);
  }
  return out;
}

test('the import graph is read (a parser that finds nothing would pass every rule)', () => {
  assert.ok(graph.size > 100, `only ${graph.size} files`);
  assert.ok(graph.get('proxy/server.ts')?.includes('proxy/pipeline.ts'));
  assert.ok(graph.get('proxy/backends/registry.ts')?.includes('proxy/backends/sim/index.ts'), 'dynamic imports are edges too');
});

test('rule 1: the proxy core does not import the simulator (only backends/sim adapts it)', () => {
  assert.deepEqual(violations(inProxyCore, under('sim')), []);
});

test('rule 2: the dialect layer (protocols, surfaces) does not import backends', () => {
  assert.deepEqual(violations(inDialectLayer, under('proxy/backends')), []);
});

test('rule 3: the dialect layer does not import the simulator', () => {
  assert.deepEqual(violations(inDialectLayer, under('sim')), []);
});

test('the canonical form is neutral: it imports only itself and util/', () => {
  assert.deepEqual(violations(under('canonical'), (t) => !under('canonical')(t) && !under('util')(t)), []);
});

test('the simulator depends on the canonical form, never on the proxy', () => {
  assert.deepEqual(violations(under('sim'), under('proxy')), []);
});

test('plugins never import each other: backends, surfaces, protocols, runners, launchers', () => {
  for (const root of ['proxy/backends', 'proxy/surfaces', 'proxy/protocols', 'experiment/runners', 'experiment/launchers']) {
    const plugin = pluginOf(root);
    const crossing = violations(
      (p) => plugin(p) !== undefined,
      (t, importer) => {
        const target = plugin(t);
        // protocols/common is the protocols' shared toolkit, not a dialect
        return target !== undefined && target !== plugin(importer) && target !== 'proxy/protocols/common';
      },
    );
    assert.deepEqual(crossing, [], root);
  }
});

test('only the registries name the plugins: no other file imports a backend, surface, runner or launcher folder', () => {
  const registries: Record<string, string> = {
    'proxy/backends': 'proxy/backends/registry.ts',
    'proxy/surfaces': 'proxy/surfaces/registry.ts',
    'experiment/runners': 'experiment/runners/registry.ts',
    'experiment/launchers': 'experiment/launchers/registry.ts',
  };
  for (const [root, registry] of Object.entries(registries)) {
    const plugin = pluginOf(root);
    const outside = violations(
      (p) => p !== registry && plugin(p) === undefined && !p.startsWith('cli/'),
      (t) => plugin(t) !== undefined,
    );
    assert.deepEqual(outside, [], root);
  }
});
