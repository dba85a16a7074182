/**
 * Part of `npm run build` (scripts/build.js), after tsc: bundles what `agentab proxy` and
 * `agentab sim` load before they are ready to serve — dist/cli/proxy.js, our ~130 modules
 * under it and the packages on that path (undici, zod, prom-client, …) — into one file,
 * dist/proxy.bundle.js, plus the chunks its lazy imports share; dist/cli/proxy.js re-exports it.
 *
 * Why: Node resolves, reads and compiles every module file on its own. Without the bundle the
 * proxy resolved ~125 of our files and ~95 of zod's (and required undici's and prom-client's)
 * before it could listen (bench/PROFILE.md, third pass); now it reads about 25 files. Nothing else changes: the code is
 * tsc's output, unminified, and the module graph keeps its lazy edges — a dynamic import()
 * (the OTLP exporter, the YAML config loader, Vertex's gcloud fallback) becomes a chunk of its
 * own (splitting), loaded only when that code runs, as before.
 *
 * Only the packages named in BUNDLED are inlined; every other package stays an ordinary import
 * resolved from node_modules at run time (the cloud and OpenTelemetry SDKs read files next to
 * themselves and load lazily anyway). Every output file sits directly in dist/, one level below
 * the package root like every file of src/, so the relative URLs our code builds from
 * import.meta.url (version.ts reads ../package.json) resolve as they do unbundled.
 */
import { writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Packages on the proxy's path to ready, inlined into the bundle. */
export const BUNDLED = ['undici', 'zod', 'prom-client', 'tdigest', 'bintrees', '@opentelemetry/api', 'eventsource-parser'];

/** The bundle's entry, relative to dist/ (the shim at dist/cli/proxy.js imports it). */
export const PROXY_BUNDLE = 'proxy.bundle.js';

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

/** Keeps every package import outside BUNDLED external (node: builtins are always external). */
const externalPackages = {
  name: 'external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('node:')) return { path: args.path, external: true };
      return BUNDLED.includes(packageName(args.path)) ? undefined : { path: args.path, external: true };
    });
  },
};

/**
 * undici's cookie helpers read `globalThis.Headers` when they load, to accept Node's own Headers
 * too; on Node 20 that getter loads Node's internal copy of undici (~45 ms of CPU, an eighth of
 * the proxy's start-up). The proxy never calls those helpers, so in the bundle they check
 * undici's Headers only. When a new undici changes that line, the file is bundled unchanged.
 */
const COOKIES_GLOBAL_HEADERS = '[Headers, globalThis.Headers].filter(Boolean)';
const undiciCookiesWithoutNodeHeaders = {
  name: 'undici-cookies-without-node-headers',
  setup(build) {
    build.onLoad({ filter: /[\\/]undici[\\/]lib[\\/]web[\\/]cookies[\\/]index\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      return source.includes(COOKIES_GLOBAL_HEADERS) ? { contents: source.replace(COOKIES_GLOBAL_HEADERS, '[Headers]'), loader: 'js' } : undefined;
    });
  },
};

/**
 * Bundles dist/cli/proxy.js into dist/proxy.bundle.js (+ dist/proxy.chunk-*.js: the code its
 * dynamic imports load, and code they share with it) and replaces dist/cli/proxy.js with a
 * re-export of the bundle.
 */
export async function bundleProxy(distDir) {
  const esbuild = await import('esbuild');
  const entry = join(distDir, 'cli', 'proxy.js');
  await esbuild.build({
    entryPoints: { [PROXY_BUNDLE.replace(/\.js$/, '')]: entry },
    outdir: distDir,
    chunkNames: 'proxy.chunk-[hash]',
    bundle: true,
    // Splitting keeps every dynamic import() lazy. Without it esbuild inlines the imported
    // module and hoists its external imports (the OpenTelemetry SDK, yaml) to static imports
    // of the bundle, which load at start-up: 630 ms of CPU to ready instead of 400.
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    // CommonJS packages (undici, prom-client) call require() for Node's builtins; an ES module
    // has no require, so each output file gets one.
    banner: { js: "import { createRequire as __agentabCreateRequire } from 'node:module';\nconst require = __agentabCreateRequire(import.meta.url);" },
    plugins: [externalPackages, undiciCookiesWithoutNodeHeaders],
    logLevel: 'warning',
  });
  writeFileSync(entry, `// Built by scripts/bundle-proxy.js: the proxy command and what it loads, in one file.\nexport * from '../${PROXY_BUNDLE}';\n`);
}
