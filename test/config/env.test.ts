import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { envLookup, envSuffixOf, modelOverrideVariable, readProxyEnv, resolveEnvRefs } from '../../src/config/env.ts';

describe('readProxyEnv', () => {
  test('defaults with an empty environment', () => {
    assert.deepEqual(readProxyEnv({}), {
      masterKey: undefined,
      configPath: undefined,
      modelOverrides: [],
    });
  });

  test('reads AGENTAB_* variables; empty ones count as unset; overrides sorted by name', () => {
    const e = readProxyEnv({
      AGENTAB_MASTER_KEY: 'sk-m',
      AGENTAB_CONFIG: '/etc/proxy.yaml',
      AGENTAB_MODEL_z: 'sim/z',
      AGENTAB_MODEL_shared_model: ' vertex_ai/gemini-2.5-pro ',
      AGENTAB_MODEL_empty: '',
      AGENTAB_MODEL_: 'sim/x',
    });
    assert.equal(e.masterKey, 'sk-m');
    assert.equal(e.configPath, '/etc/proxy.yaml');
    assert.deepEqual(e.modelOverrides, [
      { variable: 'AGENTAB_MODEL_shared_model', suffix: 'shared_model', target: 'vertex_ai/gemini-2.5-pro' },
      { variable: 'AGENTAB_MODEL_z', suffix: 'z', target: 'sim/z' },
    ]);
  });
});

describe('env helpers', () => {
  test('alias → variable name', () => {
    assert.equal(envSuffixOf('shared-model'), 'shared_model');
    assert.equal(modelOverrideVariable('gpt-4o.mini'), 'AGENTAB_MODEL_gpt_4o_mini');
  });

  test('resolveEnvRefs replaces os.environ/ strings deep inside and reports the path of a missing one', () => {
    const lookup = envLookup({ A: 'a-val', EMPTY: '' }, { B: 'b-val', EMPTY: 'from-file' });
    const fail = (name: string, path: PropertyKey[]): never => {
      throw new Error(`${name}@${path.join('.')}`);
    };
    assert.deepEqual(
      resolveEnvRefs({ x: 'os.environ/A', y: ['plain', 'os.environ/B'], z: 3, e: 'os.environ/EMPTY' }, ['root'], lookup, fail),
      { x: 'a-val', y: ['plain', 'b-val'], z: 3, e: 'from-file' },
    );
    assert.throws(() => resolveEnvRefs({ h: { k: 'os.environ/NOPE' } }, ['root'], lookup, fail), /^Error: NOPE@root\.h\.k$/);
  });
});
