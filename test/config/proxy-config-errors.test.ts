import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseProxyConfig } from '../../src/config/proxy-config.ts';
import type { ConfigErrorCode } from '../../src/config/config-error.ts';

const yaml = (...lines: string[]) => lines.join('\n') + '\n';

interface Expected {
  code: ConfigErrorCode;
  line: number;
  column: number;
  key?: string;
  validValues?: string[];
  message?: string;
}

/** Parses `text` as proxy.yaml and checks the fields of the ConfigError it must throw that `want` names. */
function expectError(text: string, env: NodeJS.ProcessEnv, want: Expected): ConfigError {
  let caught: unknown;
  try {
    parseProxyConfig(text, { source: 'proxy.yaml', env });
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof ConfigError, `expected a ConfigError, got ${String(caught)}`);
  const e = caught;
  const actual = Object.fromEntries(Object.keys(want).map((k) => [k, e[k as keyof Expected]]));
  assert.deepEqual({ file: e.file, ...actual }, { file: 'proxy.yaml', ...want });
  return e;
}

const PROVIDERS = ['openai', 'vertex_ai', 'anthropic', 'sim'];

describe('ConfigError locations', () => {
  test('unknown provider: value position, valid providers listed', () => {
    const text = yaml(
      'model_list:', // 1
      '  - model_name: ok', // 2
      '    litellm_params:', // 3
      '      model: sim/fine', // 4
      '  - model_name: shared-model', // 5
      '    litellm_params:', // 6
      '      model: gemeni/gemini-2.5-pro', // 7
    );
    expectError(text, {}, {
      code: 'config_invalid',
      line: 7,
      column: 14,
      key: 'model_list[1].litellm_params.model',
      validValues: PROVIDERS,
      message:
        'proxy.yaml:7:14: model_list[1].litellm_params.model: unknown provider "gemeni" in "gemeni/gemini-2.5-pro"; valid providers: openai, vertex_ai, anthropic, sim',
    });
  });

  test('a model without provider prefix that LiteLLM would not infer either', () => {
    const text = yaml('model_list:', '  - model_name: a', '    params:', '      model: llama-3-70b');
    const e = expectError(text, {}, { code: 'config_invalid', line: 4, column: 14, key: 'model_list[0].params.model', validValues: PROVIDERS });
    assert.match(e.message, /"llama-3-70b" has no provider: expected <provider>\/<model>/);
  });

  test('os.environ/NAME unset: file, line, key and variable named, no secret value printed', () => {
    const text = yaml(
      'model_list:', // 1
      '  - model_name: a', // 2
      '    litellm_params:', // 3
      '      model: openai/gpt-4o', // 4
      '      api_base: os.environ/MY_BASE', // 5
      '      api_key: os.environ/MISSING_KEY', // 6
    );
    const e = expectError(text, { MY_BASE: 'http://127.0.0.1:1/sk-secret-value' }, {
      code: 'config_missing_env',
      line: 6,
      column: 16,
      key: 'model_list[0].litellm_params.api_key',
      message:
        'proxy.yaml:6:16: model_list[0].litellm_params.api_key: environment variable MISSING_KEY is not set (written as os.environ/MISSING_KEY)',
    });
    assert.equal(e.envVar, 'MISSING_KEY');
    assert.doesNotMatch(e.message, /sk-secret-value/);
  });

  test('an empty environment variable counts as unset', () => {
    const text = yaml('general_settings:', '  master_key: os.environ/MK', 'model_list: [{model_name: a, litellm_params: {model: sim/a}}]');
    expectError(text, { MK: '' }, {
      code: 'config_missing_env',
      line: 2,
      column: 15,
      key: 'general_settings.master_key',
      message: 'proxy.yaml:2:15: general_settings.master_key: environment variable MK is not set (written as os.environ/MK)',
    });
  });

  test('an unknown key in a strict block of our own (sim) is an error listing the valid keys', () => {
    const sim = yaml('model_list:', '  - model_name: a', '    litellm_params:', '      model: sim/a', '      sim:', '        seeed: 2');
    const s = expectError(sim, {}, {
      code: 'config_invalid',
      line: 6,
      column: 9,
      key: 'model_list[0].litellm_params.sim.seeed',
    });
    assert.ok(s.validValues?.includes('seed'));
  });

  test('wrong type and out-of-range values point at the value', () => {
    const text = yaml('model_list:', '  - model_name: a', '    litellm_params:', '      model: sim/a', '      timeout: soon');
    expectError(text, {}, {
      code: 'config_invalid',
      line: 5,
      column: 16,
      key: 'model_list[0].litellm_params.timeout',
      message: 'proxy.yaml:5:16: model_list[0].litellm_params.timeout: expected number, received string',
    });
    const rate = yaml('model_list:', '  - model_name: a', '    litellm_params:', '      model: sim/a', '      sim: {error_rate: 2}');
    expectError(rate, {}, { code: 'config_invalid', line: 5, column: 25, key: 'model_list[0].litellm_params.sim.error_rate' });
  });

  test('the first problem in file order is reported, with a count of the rest', () => {
    const text = yaml('router_settings:', '  num_retries: -1', 'model_list:', '  - model_name: a', '    litellm_params: {model: sim/a}', 'general_settings: {max_request_size_mb: -1}');
    const e = expectError(text, {}, { code: 'config_invalid', line: 2, column: 16, key: 'router_settings.num_retries' });
    assert.match(e.message, /\(and 1 more problem\)$/);
  });

  test('routing_strategy outside the closed set lists the strategies', () => {
    const text = yaml('model_list: [{model_name: a, litellm_params: {model: sim/a}}]', 'router_settings:', '  routing_strategy: fastest');
    const e = expectError(text, {}, {
      code: 'config_invalid',
      line: 3,
      column: 21,
      key: 'router_settings.routing_strategy',
    });
    assert.ok(e.validValues?.includes('simple-shuffle') && e.validValues.includes('least-busy'));
    assert.match(e.message, /invalid value "fastest"/);
  });

  test('missing litellm_params and missing model', () => {
    expectError(yaml('model_list:', '  - model_name: a'), {}, {
      code: 'config_invalid',
      line: 2,
      column: 5,
      key: 'model_list[0].litellm_params',
    });
    expectError(yaml('model_list:', '  - model_name: a', '    litellm_params:', '      api_base: http://x'), {}, {
      code: 'config_invalid',
      line: 3,
      column: 5,
      key: 'model_list[0].litellm_params.model',
      message: 'proxy.yaml:3:5: model_list[0].litellm_params.model: required key is missing (expected string)',
    });
  });

  test('vertex_ai without a project names vertex_project at its deployment', () => {
    const text = yaml('model_list:', '  - model_name: a', '    litellm_params:', '      model: vertex_ai/gemini-2.5-pro');
    const e = expectError(text, {}, { code: 'config_invalid', line: 3, column: 5, key: 'model_list[0].litellm_params.vertex_project' });
    assert.match(e.message, /VERTEXAI_PROJECT or GOOGLE_CLOUD_PROJECT/);
  });

  test('fallbacks must name known aliases', () => {
    const text = yaml(
      'model_list:',
      '  - {model_name: a, litellm_params: {model: sim/a}}',
      '  - {model_name: b, litellm_params: {model: sim/b}}',
      'router_settings:',
      '  fallbacks:',
      '    - a: [b, c]',
    );
    expectError(text, {}, {
      code: 'config_invalid',
      line: 6,
      column: 14,
      key: 'router_settings.fallbacks[0].a[1]',
      validValues: ['a', 'b'],
      message: 'proxy.yaml:6:14: router_settings.fallbacks[0].a[1]: unknown alias "c" in fallbacks; valid aliases: a, b',
    });
  });

  test('an api_base from the environment that is not a URL is not echoed', () => {
    const text = yaml('model_list:', '  - model_name: a', '    litellm_params:', '      model: openai/x', '      api_base: os.environ/B');
    const e = expectError(text, { B: 'sk-not-a-url' }, { code: 'config_invalid', line: 5, column: 17, key: 'model_list[0].litellm_params.api_base' });
    assert.doesNotMatch(e.message, /sk-not-a-url/);
  });

  test('no models at all', () => {
    expectError(yaml('model_list: []'), {}, {
      code: 'config_invalid',
      line: 1,
      column: 13,
      key: 'model_list',
    });
  });

  test('litellm_params and params together', () => {
    const text = yaml('model_list:', '  - model_name: a', '    litellm_params: {model: sim/a}', '    params: {model: sim/b}');
    expectError(text, {}, {
      code: 'config_invalid',
      line: 4,
      column: 5,
      key: 'model_list[0].params',
      message: 'proxy.yaml:4:5: model_list[0].params: give either litellm_params or params, not both',
    });
  });
});

describe('YAML syntax errors', () => {
  test('carry the line and column of the parser error', () => {
    const text = yaml('model_list:', '  - model_name: a', '    litellm_params: {model: sim/a', 'router_settings: {}');
    const e = expectError(text, {}, { code: 'config_yaml_syntax', line: 4, column: 1 });
    assert.match(e.message, /^proxy\.yaml:4:1: YAML syntax error: /);
  });

  test('duplicate keys are syntax errors', () => {
    const text = yaml('model_list: []', 'model_list: []');
    expectError(text, {}, { code: 'config_yaml_syntax', line: 2, column: 1 });
  });

  test('a document that is not a map', () => {
    expectError(yaml('- a', '- b'), {}, { code: 'config_invalid', line: 1, column: 1, key: '', message: 'proxy.yaml:1:1: expected map, received list' });
  });
});
