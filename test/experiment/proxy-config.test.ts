import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../src/config/config-error.ts';
import { loadExperiment } from '../../src/config/experiment-loader.ts';
import { configHash } from '../../src/experiment/manifest.ts';
import { buildPlan } from '../../src/experiment/plan.ts';
import { buildRunProxyConfig } from '../../src/experiment/proxy-config.ts';
import { FAST_SIM_PROXY, writeExperiment } from './helpers.ts';

const BASE = 'name: p\nrunners: [claude]\ntasks: tasks/*.yaml\n';
const TASKS = { t: 'prompt: p\n' };

describe('the run\'s proxy config', () => {
  test('a condition can add a deployment and switch its cells to that alias', async () => {
    const x = writeExperiment(
      `${BASE}${FAST_SIM_PROXY}conditions:
  - name: base
  - name: bigger
    model: big-model
    proxy:
      model_list:
        - model_name: big-model
          litellm_params: { model: sim/sim-big }
`,
      TASKS,
    );
    const spec = await loadExperiment(x.spec);
    const config = await buildRunProxyConfig(spec, {});
    assert.deepEqual(config.deployments.map((d) => `${d.alias}→${d.provider}/${d.model}`), ['shared-model→sim/sim-default', 'big-model→sim/sim-big']);
    assert.match(config.masterKey ?? '', /^sk-agentab-run-[0-9a-f]{48}$/, 'a random master key so cells authenticate with their own tokens');
    const models = buildPlan(spec).cells.map((c) => `${c.condition.name}:${c.model}`).sort();
    assert.deepEqual(models, ['base:shared-model', 'bigger:big-model']);
    const again = await buildRunProxyConfig(spec, {});
    assert.notEqual(again.masterKey, config.masterKey);
    assert.equal(configHash(again), configHash(config), 'the config hash leaves secrets out');
  });

  test('an alias no deployment serves is refused before anything runs', async () => {
    const x = writeExperiment(`${BASE}${FAST_SIM_PROXY}conditions:\n  - name: a\n    model: nowhere\n`, TASKS);
    const spec = await loadExperiment(x.spec);
    await assert.rejects(buildRunProxyConfig(spec, {}), (e: unknown) => e instanceof ConfigError && /model alias "nowhere" is not served by the proxy config; valid aliases: shared-model/.test(e.message));
  });

  test('without a proxy section the built-in simulator serves shared-model', async () => {
    const x = writeExperiment(`${BASE}conditions: [{ name: a }]\n`, TASKS);
    const config = await buildRunProxyConfig(await loadExperiment(x.spec), {});
    assert.deepEqual(config.deployments.map((d) => [d.alias, d.provider]), [['shared-model', 'sim']]);
  });

  test('an inline proxy: block is located in the spec file: errors and warnings name its own lines', async () => {
    const spec = `${BASE}conditions: [{ name: a }]
proxy:
  model_list:
    - model_name: shared-model
      litellm_params:
        model: sim/sim-default
        temperature: 0.2
        sim: { ttft_ms: fast }
`;
    // line 5 is "proxy:", so temperature is on line 10 and sim.ttft_ms on line 11
    const x = writeExperiment(spec, TASKS);
    await assert.rejects(
      buildRunProxyConfig(await loadExperiment(x.spec), {}),
      (e: unknown) => e instanceof ConfigError && e.file === x.spec && e.line === 11 && /ttft_ms/.test(e.message),
    );
    const fixed = writeExperiment(spec.replace('sim: { ttft_ms: fast }', 'sim: { ttft_ms: 1 }'), TASKS);
    const config = await buildRunProxyConfig(await loadExperiment(fixed.spec), {});
    assert.deepEqual(config.warnings, [`${fixed.spec}:10:9: model_list[0].litellm_params.temperature: not used by agentab; ignored`]);
  });
});
