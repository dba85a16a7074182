/**
 * LiteLLM config files as users paste them (test/fixtures/litellm/*.yaml, written from
 * LiteLLM's documented keys): they load, every key agentab does not use is one located
 * warning, unroutable providers are skipped by line, and what agentab honours works on a
 * real proxy process with the official OpenAI SDK.
 */
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import OpenAI from 'openai';
import { ConfigError, loadProxyConfig, parseProxyConfig } from '../../src/config/proxy-config.ts';
import { geminiUrl } from '../../src/proxy/backends/vertex/endpoints.ts';
import { startFakeGemini } from '../helpers/fake-gemini.ts';
import { startFakeOpenAI } from '../helpers/fake-openai.ts';
import { startTestProxy } from '../helpers/proxy.ts';

const DIR = 'test/fixtures/litellm';
const fixture = (name: string) => join(DIR, name);
/** 1-based line of the first line of `file` containing `text`. */
function lineOf(file: string, text: string): number {
  const i = readFileSync(fixture(file), 'utf8').split('\n').findIndex((l) => l.includes(text));
  assert.ok(i >= 0, `${text} not in ${file}`);
  return i + 1;
}

const ENV = {
  OPENAI_API_KEY: 'sk-openai-test',
  OPENAI_ORG_ID: 'org-test',
  AZURE_API_KEY_EU: 'azure-test',
  ANTHROPIC_API_KEY: 'sk-ant-test',
  LITELLM_MASTER_KEY: 'sk-master-test',
  MASTER_KEY: 'sk-master-test',
  OPENAI_API_BASE: 'http://127.0.0.1:9/v1',
  VERTEX_EU_PROJECT: 'eu-project',
  VERTEX_EU_SA_FILE: '/secrets/eu.json',
  GATEWAY_TOKEN: 'gateway-token',
};

describe('a production LiteLLM gateway config', async () => {
  const file = 'production-gateway.yaml';
  const cfg = await loadProxyConfig({ path: fixture(file), env: ENV });
  const warning = (key: string) => cfg.warnings!.filter((w) => w.includes(`: ${key}: `));

  test('loads: the routable deployments serve, azure and bedrock are skipped naming their lines', () => {
    assert.deepEqual(
      cfg.deployments.map((d) => [d.id, d.provider, d.model]),
      [
        ['gpt-4o#0', 'openai', 'gpt-4o'],
        ['claude-sonnet#0', 'anthropic', 'claude-sonnet-4-5'],
        // A bare model name is inferred as LiteLLM infers it.
        ['gpt-4o-mini#0', 'openai', 'gpt-4o-mini'],
      ],
    );
    const azure = warning('model_list[1].litellm_params.model');
    assert.equal(azure.length, 1);
    assert.match(azure[0]!, new RegExp(`^${DIR}/${file}:${lineOf(file, 'azure/gpt-4o-eu')}:\\d+: .*provider "azure" is not routable by agentab.*deployment of "gpt-4o" skipped`));
    assert.match(warning('model_list[3].litellm_params.model')[0]!, new RegExp(`:${lineOf(file, 'model: bedrock/')}:.*provider "bedrock"`));
    // Keys inside a skipped entry are not worth a warning of their own.
    assert.deepEqual(warning('model_list[1].litellm_params.api_version'), []);
  });

  test('honours litellm_settings num_retries, request_timeout and fallbacks (a skipped alias is left out)', () => {
    assert.equal(cfg.router.numRetries, 3);
    assert.equal(cfg.router.timeoutMs, 600_000);
    assert.deepEqual(cfg.router.fallbacks, { 'gpt-4o': ['claude-sonnet'] });
    assert.match(warning('litellm_settings.fallbacks[0].gpt-4o[1]')[0]!, /"bedrock-claude" has no routable deployment \(skipped on line \d+\)/);
  });

  test('honours rpm/tpm, model_info.base_model for pricing, and master_key', () => {
    const d = cfg.deployments[0]!;
    assert.equal(d.rpm, 480);
    assert.equal(d.tpm, 800_000);
    assert.equal(d.priceModel, 'gpt-4o-2024-08-06');
    assert.equal(cfg.masterKey, 'sk-master-test');
  });

  test('every key agentab does not use is one warning with file:line and the key', () => {
    for (const [key, text] of [
      ['general_settings.use_redis_transaction_buffer', 'use_redis_transaction_buffer'],
      ['general_settings.alert_to_webhook_url', 'alert_to_webhook_url'],
      ['general_settings.database_url', 'database_url'],
      ['router_settings.enable_tag_filtering', 'enable_tag_filtering'],
      ['router_settings.redis_host', 'redis_host'],
      ['litellm_settings.success_callback', 'success_callback'],
      ['litellm_settings.cache_params', 'cache_params'],
      ['model_list[0].litellm_params.organization', 'organization'],
      ['model_list[4].litellm_params.temperature', 'temperature'],
    ] as const) {
      const ws = warning(key);
      assert.equal(ws.length, 1, `${key}: ${JSON.stringify(ws)}`);
      assert.match(ws[0]!, new RegExp(`^${DIR}/${file}:${lineOf(file, text)}:\\d+: `));
      assert.match(ws[0]!, /ignored$/);
    }
    // Descriptive model_info (id, mode, supports_*) is accepted silently; drop_params: true is agentab's behaviour.
    assert.equal(cfg.warnings!.filter((w) => /model_info|drop_params/.test(w)).length, 0);
  });

  test('a key repeated across entries is one warning naming the other lines', () => {
    const text = [
      'model_list:',
      '  - {model_name: a, litellm_params: {model: sim/a, temperature: 0.1}}',
      '  - {model_name: b, litellm_params: {model: sim/b, temperature: 0.2}}',
      '  - {model_name: c, litellm_params: {model: sim/c, temperature: 0.3}}',
    ].join('\n');
    const c = parseProxyConfig(text, { source: 'rep.yaml', env: {} });
    assert.deepEqual(c.warnings, ['rep.yaml:2:52: model_list[0].litellm_params.temperature: not used by agentab; ignored (also on lines 3, 4)']);
  });

  test('an unknown top-level key or section key warns and the file still loads', () => {
    const c = parseProxyConfig('model_list: [{model_name: a, litellm_params: {model: sim/a}}]\nrouter_setings:\n  num_retries: 1\ngeneral_settings:\n  master_kye: x\n', {
      source: 't.yaml',
      env: {},
    });
    assert.deepEqual(c.warnings, [
      't.yaml:2:1: router_setings: unknown top-level key; ignored (agentab reads model_list, router_settings, general_settings, litellm_settings, environment_variables, include, credential_list)',
      't.yaml:5:3: general_settings.master_kye: unknown key; ignored',
    ]);
  });

  test('a malformed value of a key agentab uses is still an error at its line', () => {
    assert.throws(
      () => parseProxyConfig('model_list: [{model_name: a, litellm_params: {model: sim/a}}]\nlitellm_settings:\n  num_retries: many\n', { source: 'bad.yaml', env: {} }),
      (e: unknown) => e instanceof ConfigError && e.line === 3 && e.key === 'litellm_settings.num_retries',
    );
  });
});

describe('wildcard model names', async () => {
  const cfg = await loadProxyConfig({ path: fixture('wildcards.yaml'), env: ENV });
  test('load as pattern aliases whose upstream model is filled in per request', () => {
    assert.deepEqual(
      cfg.deployments.map((d) => [d.alias, d.provider, d.model]),
      [
        ['openai/*', 'openai', '*'],
        ['vertex_ai/*', 'vertex_ai', '*'],
        ['claude-sonnet', 'anthropic', 'claude-sonnet-4-5'],
        ['*', 'openai', '*'],
      ],
    );
  });
});

describe('Vertex settings wherever LiteLLM accepts them', async () => {
  const file = 'vertex-credentials.yaml';
  const cfg = await loadProxyConfig({ path: fixture(file), env: ENV });
  const [pro, flash, gateway] = cfg.deployments;

  test('credential_list values fill the deployment; model_info prices and entry-level rpm/tpm apply', () => {
    assert.equal(pro!.vertexProject, 'eu-project');
    assert.equal(pro!.vertexLocation, 'europe-west4');
    assert.equal(pro!.vertexCredentials, '/secrets/eu.json');
    assert.deepEqual([pro!.inputCostPerToken, pro!.outputCostPerToken, pro!.cacheReadCostPerToken], [0.000001, 0.000008, 0.0000001]);
    assert.deepEqual([pro!.rpm, pro!.tpm], [60, 1_000_000]);
  });

  test('vertex_ai_project / vertex_region spellings and credentials written as a YAML map', () => {
    assert.equal(flash!.vertexProject, 'flash-project');
    assert.equal(flash!.vertexLocation, 'us-east5');
    assert.equal(JSON.parse(flash!.vertexCredentials!).client_email, 'agentab-test@flash-project.iam.gserviceaccount.com');
  });

  test('litellm_settings.vertex_project is the default of entries that set none', () => {
    const c = parseProxyConfig('model_list: [{model_name: g, litellm_params: {model: vertex_ai/gemini-2.5-flash}}]\nlitellm_settings: {vertex_project: p1, vertex_location: asia-east1}\n', { env: {} });
    assert.deepEqual([c.deployments[0]!.vertexProject, c.deployments[0]!.vertexLocation], ['p1', 'asia-east1']);
  });

  test("an api_base in LiteLLM's form (the model's resource path) gets the verb appended, not a second path", () => {
    const base = 'https://gateway.example.internal/v1/projects/gw-project/locations/us-central1/publishers/google/models/gemini-2.5-flash';
    assert.equal(geminiUrl(gateway!, 'gemini-2.5-flash', 'generateContent'), `${base}:generateContent`);
    assert.equal(geminiUrl(gateway!, 'gemini-2.5-flash', 'streamGenerateContent'), `${base}:streamGenerateContent?alt=sse`);
    // The host-root form keeps working.
    assert.equal(
      geminiUrl({ ...gateway!, apiBase: 'http://127.0.0.1:1' }, 'gemini-2.5-flash', 'countTokens'),
      'http://127.0.0.1:1/v1/projects/gw-project/locations/us-central1/publishers/google/models/gemini-2.5-flash:countTokens',
    );
  });

  test('an unknown credential name is an error listing the credentials', () => {
    assert.throws(
      () => parseProxyConfig('credential_list: [{credential_name: one, credential_values: {api_key: k}}]\nmodel_list: [{model_name: a, litellm_params: {model: openai/x, litellm_credential_name: two}}]\n', { source: 'c.yaml', env: {} }),
      (e: unknown) => e instanceof ConfigError && e.line === 2 && /no credential named "two"/.test(e.message) && e.validValues?.join() === 'one',
    );
  });

  test('a real proxy calls a Vertex gateway at exactly the LiteLLM-form URL (SDK, JSON and stream)', async () => {
    const fake = await startFakeGemini(() => ({ text: 'hello from the gateway' }));
    const path = '/v1/projects/gw-project/locations/us-central1/publishers/google/models/gemini-2.5-flash';
    const yaml = [
      'model_list:',
      '  - model_name: gemini-gateway',
      '    litellm_params:',
      '      model: vertex_ai/gemini-2.5-flash',
      `      api_base: ${fake.url}/gw${path}`,
      '      api_key: os.environ/GATEWAY_TOKEN',
    ].join('\n');
    const proxy = await startTestProxy(yaml, { GATEWAY_TOKEN: 'gateway-token' }).catch(async (e: unknown) => {
      await fake.close();
      throw e;
    });
    try {
      const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'any', maxRetries: 0 });
      const res = await client.chat.completions.create({ model: 'gemini-gateway', messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(res.choices[0]!.message.content, 'hello from the gateway');
      const stream = await client.chat.completions.create({ model: 'gemini-gateway', stream: true, messages: [{ role: 'user', content: 'hi' }] });
      let text = '';
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? '';
      assert.equal(text, 'hello from the gateway');
      assert.deepEqual(
        fake.received.map((r) => r.path),
        [`/gw${path}:generateContent`, `/gw${path}:streamGenerateContent?alt=sse`],
      );
      assert.equal(fake.received[0]!.authorization, 'Bearer gateway-token');
    } finally {
      await proxy.close(0);
      await fake.close();
    }
  });
});

describe('include', async () => {
  test("adds the included file's model_list, relative to the including file, with its own warnings", async () => {
    const cfg = await loadProxyConfig({ path: fixture('include-main.yaml'), env: ENV });
    assert.deepEqual(
      cfg.deployments.map((d) => [d.id, d.model, d.timeoutMs]),
      [
        ['shared-model#0', 'included', 30_000],
        // litellm_settings.request_timeout of the including file is the default.
        ['shared-model#1', 'included-b', 120_000],
      ],
    );
    assert.deepEqual(cfg.warnings, [`${DIR}/include-models.yaml:${lineOf('include-models.yaml', 'seed_everything')}:7: model_list[1].litellm_params.seed_everything: not used by agentab; ignored`]);
  });

  test('a missing included file is an error at its include line', () => {
    assert.throws(
      () => parseProxyConfig('include:\n  - nowhere.yaml\n', { source: 'main.yaml', env: {}, readInclude: () => { throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' }); } }),
      (e: unknown) => e instanceof ConfigError && e.code === 'config_not_found' && e.line === 2 && /included file nowhere\.yaml not found/.test(e.message),
    );
  });
});

describe('honoured on a real proxy process', () => {
  const upstreams: Array<{ close(): Promise<void> }> = [];
  after(async () => {
    for (const u of upstreams) await u.close();
  });

  test('litellm_settings.num_retries and fallbacks: retries the first alias, then answers from the fallback', async () => {
    const up = await startFakeOpenAI();
    upstreams.push(up);
    up.script({ kind: 'status', status: 500 });
    const yaml = [
      'model_list:',
      '  - model_name: primary',
      `    litellm_params: {model: openai/gpt-4o, api_base: "${up.url}", api_key: sk-up}`,
      '  - model_name: backup',
      '    litellm_params: {model: sim/backup}',
      'litellm_settings:',
      '  num_retries: 1',
      '  fallbacks: [{primary: [backup]}]',
    ].join('\n');
    const proxy = await startTestProxy(yaml);
    try {
      const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'any', maxRetries: 0 });
      const res = await client.chat.completions.create({ model: 'primary', messages: [{ role: 'user', content: 'hi' }] });
      assert.ok(res.choices[0]!.message.content);
      assert.equal(up.received.length, 2, 'one try and one retry (num_retries: 1)');
      const [rec] = await proxy.spend();
      assert.equal(rec!.deployment, 'backup#0');
      assert.equal(rec!.attempts, 3);
      assert.equal(rec!.status, 200);
    } finally {
      await proxy.close(0);
    }
  });

  test('model_info prices are what the spend record charges', async () => {
    const yaml = [
      'model_list:',
      '  - model_name: priced',
      '    litellm_params: {model: sim/priced}',
      '    model_info: {input_cost_per_token: 0.001, output_cost_per_token: 0.002}',
    ].join('\n');
    const proxy = await startTestProxy(yaml);
    try {
      const client = new OpenAI({ baseURL: `${proxy.url}/v1`, apiKey: 'any', maxRetries: 0 });
      await client.chat.completions.create({ model: 'priced', messages: [{ role: 'user', content: 'hi' }] });
      const [rec] = await proxy.spend();
      const expected = rec!.usage.input * 0.001 + rec!.usage.output * 0.002;
      assert.ok(rec!.usage.input > 0 && rec!.usage.output > 0);
      assert.ok(Math.abs(rec!.costUsd! - expected) < 1e-12, `${rec!.costUsd} vs ${expected}`);
    } finally {
      await proxy.close(0);
    }
  });
});
