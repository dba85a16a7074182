/**
 * The viewer's front end: a Preact app in src/view/ui, bundled by esbuild into one script.
 * `npm run build` writes `dist/view/app.js` (buildUiBundle); where that is missing or older
 * than src/view/ui (a source checkout being edited) the bundle is made in memory the first
 * time the page is asked for (~0.1 s), so the page never runs stale code and needs no network.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// src/view or dist/view: the package root is two levels up either way.
const here = path.dirname(fileURLToPath(import.meta.url));
const PACKAGE_ROOT = path.resolve(here, '..', '..');
const UI_DIR = path.join(PACKAGE_ROOT, 'src', 'view', 'ui');
export const UI_ENTRY = path.join(UI_DIR, 'main.tsx');
export const PREBUILT = path.join(PACKAGE_ROOT, 'dist', 'view', 'app.js');

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
  let newest = 0;
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? await newestMtime(p) : (await stat(p)).mtimeMs);
  }
  return newest;
}

/** Writes the bundle to `outfile` (the package build calls this with PREBUILT). */
export async function buildUiBundle(outfile: string = PREBUILT): Promise<void> {
  const esbuild = await import('esbuild');
  await esbuild.build({ ...ESBUILD_OPTIONS, outfile, write: true, logLevel: 'warning' });
}

let cached: Promise<Assets> | undefined;

export function loadAssets(): Promise<Assets> {
  cached ??= (async () => {
    const srcPresent = await stat(UI_DIR).then(() => true, () => false);
    const css = await readFile(path.join(srcPresent ? UI_DIR : path.join(here, 'ui'), 'styles.css'), 'utf8');
    const prebuilt = await stat(PREBUILT).catch(() => null);
    if (prebuilt && (!srcPresent || prebuilt.mtimeMs >= (await newestMtime(UI_DIR)))) return { js: await readFile(PREBUILT, 'utf8'), css };
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
