/**
 * AGENTAB_MODEL_<alias>=<provider>/<model>: point an alias at another target without editing
 * the file. The alias's deployments are replaced by one fresh deployment (provider settings
 * from the environment only); an alias the file does not have is added under the suffix.
 */
import { buildDeployment } from './build-deployment.ts';
import { ConfigError, type ConfigErrorOptions } from './config-error.ts';
import { envSuffixOf, type EnvLookup, type ModelOverride } from './env.ts';
import type { Deployment, RouterSettings } from './types.ts';

function overrideError(o: ModelOverride, detail: string, extra: Partial<ConfigErrorOptions> = {}): ConfigError {
  return new ConfigError(detail, { code: 'config_invalid', key: o.variable, envVar: o.variable, ...extra });
}

/** The aliases `o` names: exact suffix match first, then case-insensitive. */
function matchAliases(o: ModelOverride, aliases: string[]): string[] {
  const exact = aliases.filter((a) => envSuffixOf(a) === o.suffix);
  if (exact.length) return exact;
  return aliases.filter((a) => envSuffixOf(a).toLowerCase() === o.suffix.toLowerCase());
}

export function applyModelOverrides(
  deployments: Deployment[],
  overrides: readonly ModelOverride[],
  lookup: EnvLookup,
  router: RouterSettings,
  warn: (message: string) => void = () => {},
): Deployment[] {
  let out = deployments;
  for (const o of overrides) {
    const aliases = [...new Set(out.map((d) => d.alias))];
    const matches = matchAliases(o, aliases);
    if (matches.length > 1) {
      throw overrideError(o, `matches several aliases (${matches.join(', ')}); rename one of them`);
    }
    const alias = matches[0] ?? o.suffix;
    // A new alias is allowed (an override may serve one the config lacks), but a typo is the likelier cause: say so.
    if (matches.length === 0) warn(`${o.variable}: no alias of the config matches, so it adds the alias "${alias}" (aliases: ${aliases.join(', ')})`);
    const fresh = buildDeployment(
      { model: o.target },
      {
        alias,
        index: 0,
        lookup,
        router,
        fail: (_key, detail, extra) => {
          throw overrideError(o, detail, extra);
        },
        // An override has no litellm_params, so nothing can be ignored.
        warn: () => {},
      },
    );
    const at = out.findIndex((d) => d.alias === alias);
    const rest = out.filter((d) => d.alias !== alias);
    out = at < 0 ? [...rest, fresh] : [...rest.slice(0, at), fresh, ...rest.slice(at)];
  }
  return out;
}
