import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigError,
  DEFAULT_SIM_OPTIONS,
  defaultProxyConfig,
  loadProxyConfig,
  parseProxyConfig,
} from '../../src/config/proxy-config.ts';

/** Joins lines so a test can count them: yaml(l1, l2, …) — line N is argument N. */
const yaml = (...lines: string[]) => lines.join('\n') + '\n';

const LITELLM_FILE = yaml(
  'model_list:', // 1
  '  - model_name: shared-model', // 2
  '    litellm_params:', // 3
  '      model: vertex_ai/gemini-2.5-pro', // 4
  '      vertex_project: my-proj', // 5
  '      vertex_location: europe-west4', // 6
  '      vertex_credentials: /secrets/adc.json', // 7
  '      input_cost_per_token: 0.00000125', // 8
  '      output_cost_per_token: 0.00001', // 9
  '      cache_read_input_token_cost: 0.0000003', // 10
  '      weight: 2', // 11
  '      rpm: 100', // 12
  '    model_info:', // 13
  '      id: whatever', // 14
  '  - model_name: shared-model', // 15
  '    params:', // 16
  '      model: openai/gpt-4o', // 17
  '      api_base: http://127.0.0.1:9/v1', // 18
  '      api_key: os.environ/OPENAI_API_KEY', // 19
  '      timeout: 30', // 20
  '      stream_timeout: 5', // 21
  '      max_retries: 0', // 22
  '      extra_headers: {x-team: os.environ/TEAM}', // 23
  '  - model_name: backup-model', // 24
  '    litellm_params:', // 25
  '      model: anthropic/claude-sonnet-4-5', // 26
  '      api_key: os.environ/ANTHROPIC_KEY', // 27
  '  - model_name: sim-model', // 28
  '    litellm_params:', // 29
  '      model: sim/fast', // 30
  '      sim: {seed: 3, ttft_ms: 200, error_rate: 0.5}', // 31
  'router_settings:', // 32
  '  num_retries: 3', // 33
  '  timeout: 120', // 34
  '  stream_timeout: 60', // 35
  '  routing_strategy: least-busy', // 36
  '  fallbacks: [{shared-model: [backup-model, sim-model]}]', // 37
  'general_settings:', // 38
  '  master_key: os.environ/MY_MASTER', // 39
  '  max_request_size_mb: 2', // 40
  'litellm_settings:', // 41
  '  drop_params: true', // 42
  'environment_variables:', // 43
  '  TEAM: from-file', // 44
  '  ANTHROPIC_KEY: file-anthropic-key', // 45
);

describe('parseProxyConfig: a LiteLLM-style file', () => {
  const env = { OPENAI_API_KEY: 'sk-openai', MY_MASTER: 'sk-master', ANTHROPIC_KEY: 'env-anthropic-key' };
  const cfg = parseProxyConfig(LITELLM_FILE, { source: 'proxy.yaml', env });

  test('builds one deployment per entry, ids numbered within each alias', () => {
    assert.deepEqual(
      cfg.deployments.map((d) => [d.id, d.provider, d.model]),
      [
        ['shared-model#0', 'vertex_ai', 'gemini-2.5-pro'],
        ['shared-model#1', 'openai', 'gpt-4o'],
        ['backup-model#0', 'anthropic', 'claude-sonnet-4-5'],
        ['sim-model#0', 'sim', 'fast'],
      ],
    );
    assert.equal(cfg.source, 'proxy.yaml');
  });

  test('vertex deployment carries project, location, credentials, prices and weight', () => {
    assert.deepEqual(cfg.deployments[0], {
      id: 'shared-model#0',
      alias: 'shared-model',
      provider: 'vertex_ai',
      model: 'gemini-2.5-pro',
      vertexProject: 'my-proj',
      vertexLocation: 'europe-west4',
      vertexCredentials: '/secrets/adc.json',
      inputCostPerToken: 0.00000125,
      outputCostPerToken: 0.00001,
      cacheReadCostPerToken: 0.0000003,
      weight: 2,
      rpm: 100,
      // router_settings seconds → ms, num_retries as default
      timeoutMs: 120_000,
      ttftTimeoutMs: 60_000,
      maxRetries: 3,
    });
  });

  test('`params` is accepted for litellm_params; secrets and per-deployment limits resolved', () => {
    const d = cfg.deployments[1]!;
    assert.equal(d.apiBase, 'http://127.0.0.1:9/v1');
    assert.equal(d.apiKey, 'sk-openai');
    assert.equal(d.timeoutMs, 30_000);
    assert.equal(d.ttftTimeoutMs, 5_000);
    assert.equal(d.maxRetries, 0);
    assert.equal(d.weight, 1);
    // TEAM is not in the environment: environment_variables backs the lookup up.
    assert.deepEqual(d.extraHeaders, { 'x-team': 'from-file' });
  });

  test('the real environment wins over environment_variables; provider defaults applied', () => {
    const d = cfg.deployments[2]!;
    assert.equal(d.apiKey, 'env-anthropic-key');
    assert.equal(d.apiBase, 'https://api.anthropic.com');
  });

  test('sim knobs merge over DEFAULT_SIM_OPTIONS', () => {
    assert.deepEqual(cfg.deployments[3]!.sim, { ...DEFAULT_SIM_OPTIONS, seed: 3, ttftMs: 200, errorRate: 0.5 });
  });

  test('sim: a model named after a real one takes its measured timing profile; cache options parse', () => {
    const c = parseProxyConfig(
      [
        'model_list:',
        '  - model_name: a',
        '    litellm_params:',
        '      model: sim/claude-sonnet-4-5',
        '      sim: {tokens_per_second: 99, ttft_ms_per_1k_cached_tokens: 3, cache: {rules: openai, min_tokens: 2048, shared: true}}',
        '  - {model_name: b, litellm_params: {model: sim/sim-default}}',
      ].join('\n'),
      { source: 's.yaml', env: {} },
    );
    const sonnet = c.deployments[0]!.sim!;
    // claude-sonnet-4.6 measured 2,120 ms to first token (config/sim-profiles.ts); the deployment's own value wins.
    assert.equal(sonnet.ttftMs, 2_120);
    assert.equal(sonnet.tokensPerSecond, 99);
    assert.equal(sonnet.ttftMsPer1kCachedTokens, 3);
    assert.deepEqual(sonnet.cache, { rules: 'openai', minTokens: 2048, shared: true });
    assert.deepEqual(c.deployments[1]!.sim, DEFAULT_SIM_OPTIONS);
    assert.throws(
      () => parseProxyConfig('model_list:\n  - {model_name: a, litellm_params: {model: sim/a, sim: {cache: {rules: always}}}}\n', { source: 'x.yaml', env: {} }),
      /rules/,
    );
  });

  test('router and general settings', () => {
    assert.deepEqual(cfg.router, {
      numRetries: 3,
      timeoutMs: 120_000,
      ttftTimeoutMs: 60_000,
      fallbacks: { 'shared-model': ['backup-model', 'sim-model'] },
      retryBaseMs: 250,
      retryMaxMs: 8000,
      retryAfterMaxMs: 60_000,
      strategy: 'least-busy',
    });
    assert.equal(cfg.masterKey, 'sk-master');
    assert.equal(cfg.maxBodyBytes, 2 * 1024 * 1024);
  });

  test('every key of this file is read or descriptive: no warnings', () => {
    assert.deepEqual(cfg.warnings, []);
  });
});

test('YAML merge keys (`<<: *anchor`) work as in PyYAML', () => {
  const text = yaml(
    'model_list:',
    '  - model_name: a',
    '    litellm_params: &base',
    '      model: sim/a',
    '      timeout: 10',
    '  - model_name: b',
    '    litellm_params:',
    '      <<: *base',
    '      model: sim/b',
  );
  const cfg = parseProxyConfig(text, { env: {} });
  assert.deepEqual(
    cfg.deployments.map((d) => [d.id, d.model, d.timeoutMs]),
    [
      ['a#0', 'a', 10_000],
      ['b#0', 'b', 10_000],
    ],
  );
  assert.deepEqual(cfg.warnings, []);
});

describe('router_settings', () => {
  const base = yaml(
    'model_list:',
    '  - {model_name: a, litellm_params: {model: sim/a}}',
    '  - {model_name: b, litellm_params: {model: sim/b}}',
    '  - {model_name: c, litellm_params: {model: sim/c}}',
    'router_settings:',
  );

  test('fallbacks as LiteLLM list of single-key maps and as a plain map give the same result', () => {
    const list = parseProxyConfig(base + '  fallbacks: [{a: [b, c]}, {b: c}]\n', { env: {} });
    const map = parseProxyConfig(base + '  fallbacks: {a: [b, c], b: [c]}\n', { env: {} });
    assert.deepEqual(list.router.fallbacks, { a: ['b', 'c'], b: ['c'] });
    assert.deepEqual(map.router.fallbacks, list.router.fallbacks);
  });

  test('defaults when router_settings is empty', () => {
    const cfg = parseProxyConfig(base, { env: {} });
    assert.deepEqual(cfg.router, {
      numRetries: 2,
      timeoutMs: 600_000,
      ttftTimeoutMs: 120_000,
      fallbacks: {},
      retryBaseMs: 250,
      retryMaxMs: 8000,
      retryAfterMaxMs: 60_000,
      strategy: 'simple-shuffle',
    });
    assert.equal(cfg.maxBodyBytes, 32 * 1024 * 1024);
    assert.equal(cfg.masterKey, undefined);
  });

  test('LiteLLM-only strategies and settings are accepted with a located warning', () => {
    const general = 'general_settings:\n  database_url: os.environ/DATABASE_URL\n';
    const cfg = parseProxyConfig(base + '  routing_strategy: latency-based-routing\n  cooldown_time: 30\n  retry_after: 1\n' + general, {
      source: 'r.yaml',
      env: {},
    });
    assert.equal(cfg.router.strategy, 'simple-shuffle');
    assert.equal(cfg.router.retryBaseMs, 1000);
    assert.deepEqual(cfg.warnings, [
      'r.yaml:6:21: router_settings.routing_strategy: "latency-based-routing" is not implemented by agentab; using simple-shuffle',
      'r.yaml:7:3: router_settings.cooldown_time: LiteLLM setting not implemented by agentab; ignored',
      // DATABASE_URL is unset, but an ignored key's os.environ/ reference is never resolved.
      'r.yaml:10:3: general_settings.database_url: LiteLLM setting not implemented by agentab; ignored',
    ]);
  });
});

describe('values the schema accepts are used or refused', () => {
  test('router_settings.retry_after: 0 means no wait before the first retry; a retry_max_ms below it warns', () => {
    const text = yaml('model_list: [{model_name: a, litellm_params: {model: sim/a}}]', 'router_settings:', '  retry_after: 0');
    assert.equal(parseProxyConfig(text, { env: {} }).router.retryBaseMs, 0);
    const capped = parseProxyConfig(yaml('model_list: [{model_name: a, litellm_params: {model: sim/a}}]', 'router_settings:', '  retry_after: 5', '  retry_max_ms: 100'), { source: 'r.yaml', env: {} });
    assert.equal(capped.router.retryMaxMs, 5000);
    assert.deepEqual(capped.warnings, ["r.yaml:4:17: router_settings.retry_max_ms: below the first retry's delay (5000 ms); retries wait 5000 ms at most"]);
  });

  test('api_base, api_key and extra_headers on a sim/ deployment warn: the simulator has none to use', () => {
    const cfg = parseProxyConfig(yaml('model_list:', '  - model_name: a', '    litellm_params: {model: sim/a, api_key: sk-sim-123456, api_base: "http://127.0.0.1:1", extra_headers: {x-a: b}}'), { source: 's.yaml', env: {} });
    const warned = (cfg.warnings ?? []).map((w) => w.replace(/^s\.yaml:3:\d+: /, '')).sort();
    const expected = ['api_base', 'api_key', 'extra_headers'].map((k) => `model_list[0].litellm_params.${k}: not used by sim/ models (the simulator runs inside the proxy); ignored`);
    assert.deepEqual(warned, expected);
    assert.ok(!JSON.stringify(cfg.warnings).includes('sk-sim-123456'), 'the key itself is never in a warning');
  });

  test('credential_values are checked as litellm_params are: a bad value is a located error, an unknown key a warning', () => {
    const entry = 'model_list: [{model_name: a, litellm_params: {model: openai/x, api_base: "http://127.0.0.1:1", litellm_credential_name: c}}]';
    for (const [values, key, detail] of [
      ['{timeout: soon}', 'timeout', /number/],
      ['{max_retries: -3}', 'max_retries', />=\s*0|at least 0|too small/i],
      ['{weight: heavy}', 'weight', /number/],
      ['{additional_drop_params: x}', 'additional_drop_params', /expected list/],
      ['{sim: {ttft_ms: fast}}', 'sim.ttft_ms', /number/],
    ] as const) {
      const text = yaml('credential_list:', `  - {credential_name: c, credential_values: ${values}}`, entry);
      assert.throws(
        () => parseProxyConfig(text, { source: 'c.yaml', env: {} }),
        (e: unknown) => e instanceof ConfigError && e.line === 2 && e.key === `credential_list[0].credential_values.${key}` && detail.test(e.message),
        `${values} is refused at its key`,
      );
    }
    const ok = parseProxyConfig(yaml('credential_list:', '  - {credential_name: c, credential_values: {api_key: sk-cred-1234, api_version: "2024-10-01"}}', entry), { source: 'c.yaml', env: {} });
    assert.equal(ok.deployments[0]!.apiKey, 'sk-cred-1234');
    assert.equal(ok.warnings?.length, 1);
    assert.match(ok.warnings![0]!, /^c\.yaml:2:\d+: credential_list\[0\]\.credential_values\.api_version: not used by agentab; ignored$/);
  });
});

describe('AGENTAB_MODEL_<alias> overrides', () => {
  const file = yaml(
    'model_list:',
    '  - model_name: shared-model',
    '    litellm_params: {model: sim/one, input_cost_per_token: 1}',
    '  - model_name: shared-model',
    '    litellm_params: {model: sim/two}',
    '  - model_name: other',
    '    litellm_params: {model: sim/three}',
  );

  test('an override matching no alias adds one, with a warning naming the aliases there are (a typo, most often)', () => {
    const cfg = parseProxyConfig(file, { env: { AGENTAB_MODEL_shared_modle: 'sim/typo' } });
    assert.ok(cfg.deployments.some((d) => d.alias === 'shared_modle'));
    assert.deepEqual(cfg.warnings, ['AGENTAB_MODEL_shared_modle: no alias of the config matches, so it adds the alias "shared_modle" (aliases: shared-model, other)']);
    assert.deepEqual(parseProxyConfig(file, { env: { AGENTAB_MODEL_shared_model: 'sim/x' } }).warnings, [], 'a matching override warns of nothing');
  });

  test('replace every deployment of the alias with one fresh deployment, in place', () => {
    const cfg = parseProxyConfig(file, {
      env: { AGENTAB_MODEL_shared_model: 'vertex_ai/gemini-2.5-pro', GOOGLE_CLOUD_PROJECT: 'env-proj', VERTEXAI_LOCATION: 'asia-east1' },
    });
    assert.deepEqual(cfg.deployments[0], {
      id: 'shared-model#0',
      alias: 'shared-model',
      provider: 'vertex_ai',
      model: 'gemini-2.5-pro',
      vertexProject: 'env-proj',
      vertexLocation: 'asia-east1',
      timeoutMs: 600_000,
      ttftTimeoutMs: 120_000,
      maxRetries: 2,
      weight: 1,
    });
    assert.deepEqual(
      cfg.deployments.map((d) => d.id),
      ['shared-model#0', 'other#0'],
    );
  });

  test('an alias missing from the file is added under the variable suffix', () => {
    const cfg = parseProxyConfig(file, { env: { AGENTAB_MODEL_judge: 'openai/gpt-4o-mini', OPENAI_API_KEY: 'k' } });
    const added = cfg.deployments.at(-1)!;
    assert.equal(added.id, 'judge#0');
    assert.equal(added.apiKey, 'k');
    assert.equal(added.apiBase, 'https://api.openai.com/v1');
  });

  test('work without a config file', () => {
    const cfg = defaultProxyConfig({ AGENTAB_MODEL_shared_model: 'anthropic/claude-haiku-4-5' });
    assert.deepEqual(
      cfg.deployments.map((d) => [d.id, d.provider, d.model]),
      [['shared-model#0', 'anthropic', 'claude-haiku-4-5']],
    );
  });

  test('a bad provider names the variable and the valid providers', () => {
    assert.throws(
      () => parseProxyConfig(file, { env: { AGENTAB_MODEL_other: 'gemeni/gemini-2.5-pro' } }),
      (e: unknown) => {
        assert.ok(e instanceof ConfigError);
        assert.equal(e.code, 'config_invalid');
        assert.equal(e.key, 'AGENTAB_MODEL_other');
        assert.deepEqual(e.validValues, ['openai', 'vertex_ai', 'anthropic', 'sim']);
        assert.equal(
          e.message,
          'AGENTAB_MODEL_other: unknown provider "gemeni" in "gemeni/gemini-2.5-pro"; valid providers: openai, vertex_ai, anthropic, sim',
        );
        return true;
      },
    );
  });

  test('vertex without a project in the environment is an error naming the variable', () => {
    assert.throws(
      () => defaultProxyConfig({ AGENTAB_MODEL_shared_model: 'vertex_ai/gemini-2.5-pro' }),
      (e: unknown) => e instanceof ConfigError && e.key === 'AGENTAB_MODEL_shared_model' && /VERTEXAI_PROJECT/.test(e.message),
    );
  });
});

describe('defaults and loading', () => {
  test('no config file: the simulator under shared-model', async () => {
    const cfg = await loadProxyConfig({ env: {} });
    assert.deepEqual(cfg.deployments, [
      {
        id: 'shared-model#0',
        alias: 'shared-model',
        provider: 'sim',
        model: 'sim-default',
        timeoutMs: 600_000,
        ttftTimeoutMs: 120_000,
        maxRetries: 2,
        weight: 1,
        sim: { ...DEFAULT_SIM_OPTIONS },
      },
    ]);
    assert.equal(cfg.source, undefined);
    assert.equal(cfg.maxBodyBytes, 32 * 1024 * 1024);
    assert.equal(cfg.masterKey, undefined);
    assert.equal((await loadProxyConfig({ env: { AGENTAB_MASTER_KEY: 'sk-x' } })).masterKey, 'sk-x');
  });

  test('reads the file given by path, or by AGENTAB_CONFIG', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'agentab-config-'));
    try {
      const path = join(dir, 'proxy.yaml');
      await writeFile(path, yaml('model_list:', '  - model_name: x', '    litellm_params: {model: sim/y}'));
      assert.equal((await loadProxyConfig({ path, env: {} })).deployments[0]!.id, 'x#0');
      const viaEnv = await loadProxyConfig({ env: { AGENTAB_CONFIG: path } });
      assert.equal(viaEnv.source, path);
      await assert.rejects(loadProxyConfig({ path: join(dir, 'nope.yaml'), env: {} }), (e: unknown) => {
        return e instanceof ConfigError && e.code === 'config_not_found' && e.message === `${join(dir, 'nope.yaml')}: config file not found`;
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('AGENTAB_MASTER_KEY overrides general_settings.master_key', () => {
    const text = yaml('model_list: [{model_name: a, litellm_params: {model: sim/a}}]', 'general_settings: {master_key: sk-file}');
    assert.equal(parseProxyConfig(text, { env: {} }).masterKey, 'sk-file');
    assert.equal(parseProxyConfig(text, { env: { AGENTAB_MASTER_KEY: 'sk-env' } }).masterKey, 'sk-env');
  });
});
