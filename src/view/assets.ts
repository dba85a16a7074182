/**
 * The viewer's front end: a Preact app in src/view/ui, bundled by esbuild into one script.
 * A package build writes `dist/view/app.js` (`npm run build:view`); without it (a source
 * checkout) the bundle is made in memory the first time the page is asked for (~0.1 s), so
 * the page never runs stale code and needs no network.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const UI_ENTRY = path.join(here, 'ui', 'main.tsx');
const PREBUILT = path.resolve(here, '..', '..', 'dist', 'view', 'app.js');

export interface Assets {
  js: string;
  css: string;
}

/** esbuild options shared by the in-memory build and `npm run build:view`. */
export const ESBUILD_OPTIONS = {
  entryPoints: [UI_ENTRY],
  bundle: true,
  format: 'esm' as const,
  target: 'es2022',
  jsx: 'automatic' as const,
  jsxImportSource: 'preact',
  minify: true,
  legalComments: 'none' as const,
  loader: { '.css': 'text' as const },
};

async function newestMtime(dir: string): Promise<number> {
  const { readdir } = await import('node:fs/promises');
  let newest = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? await newestMtime(p) : (await stat(p)).mtimeMs);
  }
  return newest;
}

let cached: Promise<Assets> | undefined;

export function loadAssets(): Promise<Assets> {
  cached ??= (async () => {
    const css = await readFile(path.join(here, 'ui', 'styles.css'), 'utf8');
    const prebuilt = await stat(PREBUILT).catch(() => null);
    const uiDir = path.join(here, 'ui');
    const srcPresent = await stat(uiDir).then(() => true, () => false);
    if (prebuilt && (!srcPresent || prebuilt.mtimeMs >= (await newestMtime(uiDir)))) return { js: await readFile(PREBUILT, 'utf8'), css };
    const esbuild = await import('esbuild');
    const out = await esbuild.build({ ...ESBUILD_OPTIONS, write: false, logLevel: 'silent' });
    const file = out.outputFiles[0];
    if (!file) throw new Error('esbuild produced no output for the viewer');
    return { js: file.text, css };
  })();
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}

export const INDEX_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>agentab view</title>
<link rel="stylesheet" href="/app.css">
</head>
<body>
<div id="app"><p class="loading">Loading…</p></div>
<script type="module" src="/app.js"></script>
</body>
</html>
`;
