/**
 * The proxy configuration of a run: the spec's proxy (a LiteLLM-style file, an inline
 * `model_list`, or the built-in simulator default), plus the deployments conditions add,
 * plus a random master key when none is set, so every cell authenticates with its own HMAC
 * token and no cell can charge its calls to another.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse as parseYaml, stringify } from 'yaml';
import { defaultProxyConfig, parseProxyConfig, parseProxyConfigSource } from '../config/proxy-config.ts';
import { YamlSource } from '../config/yaml-source.ts';
import type { Env } from '../config/env.ts';
import type { ExperimentSpec } from '../config/experiment-types.ts';
import type { ProxyConfig } from '../config/types.ts';
import { SpecError } from '../config/experiment-errors.ts';

export async function buildRunProxyConfig(spec: ExperimentSpec, env: Env): Promise<ProxyConfig> {
  const extra = spec.conditions.flatMap((c) => c.proxyModelList);
  let config: ProxyConfig;
  if (spec.proxy.kind === 'default' && extra.length === 0) config = defaultProxyConfig(env);
  else {
    let raw: Record<string, unknown>;
    let source: string;
    let text: string | undefined;
    let inlineSource: YamlSource | undefined;
    if (spec.proxy.kind === 'file') {
      source = spec.proxy.path;
      text = await readFile(source, 'utf8').catch((e: unknown) => {
        throw new SpecError('spec_not_found', `cannot read the proxy config: ${(e as Error).message}`, { file: source }, { cause: e });
      });
      raw = (parseYaml(text) as Record<string, unknown> | null) ?? {};
    } else if (spec.proxy.kind === 'inline') {
      source = `${spec.file ?? spec.name} (proxy)`;
      raw = spec.proxy.config;
      // Read where it is written, so errors and warnings name the spec file's own lines. (Deployments
      // conditions add are merged into a re-serialised text below, whose lines are its own.)
      if (extra.length === 0 && spec.file) inlineSource = YamlSource.parse(await readFile(spec.file, 'utf8'), spec.file).sub(['proxy']);
    } else {
      source = `${spec.file ?? spec.name} (conditions)`;
      raw = { model_list: [{ model_name: spec.model, litellm_params: { model: 'sim/sim-default' } }] };
    }
    if (!inlineSource && (extra.length > 0 || text === undefined)) {
      const list = Array.isArray(raw.model_list) ? raw.model_list : [];
      text = stringify({ ...raw, model_list: [...list, ...extra] });
    }
    config = inlineSource ? parseProxyConfigSource(inlineSource, { env }) : parseProxyConfig(text!, { source, env });
  }
  const aliases = new Set(config.deployments.map((d) => d.alias));
  for (const alias of new Set([spec.model, ...spec.conditions.map((c) => c.model).filter((m): m is string => !!m)])) {
    if (!aliases.has(alias)) {
      throw new SpecError('invalid_value', `model alias "${alias}" is not served by the proxy config`, { file: spec.file, key: 'model' }, { validValues: [...aliases], validLabel: 'aliases' });
    }
  }
  return config.masterKey ? config : { ...config, masterKey: `sk-agentab-run-${randomBytes(24).toString('hex')}` };
}
