/**
 * Hash routes, so every page has a link people can paste (the server serves one page):
 *   #/                         the runs
 *   #/run/<run>                a run's overview (verdicts, comparisons, plots)
 *   #/run/<run>/cells?runner=…&condition=…&task=…&outcome=…&q=…   the cells, filtered
 *   #/run/<run>/cell/<cell>    one cell
 *   #/compare/<runA>/<runB>    two runs side by side
 */
export type Route =
  | { page: 'runs' }
  | { page: 'run'; run: string }
  | { page: 'cells'; run: string; params: URLSearchParams }
  | { page: 'cell'; run: string; cell: string }
  | { page: 'compare'; a: string; b: string }
  | { page: 'missing'; hash: string };

export function parseRoute(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [pathPart = '/', query = ''] = raw.split('?');
  const parts = pathPart.split('/').filter(Boolean).map((p) => decodeURIComponent(p));
  if (parts.length === 0) return { page: 'runs' };
  if (parts[0] === 'run' && parts[1]) {
    if (parts.length === 2) return { page: 'run', run: parts[1] };
    if (parts[2] === 'cells' && parts.length === 3) return { page: 'cells', run: parts[1], params: new URLSearchParams(query) };
    if (parts[2] === 'cell' && parts[3] && parts.length === 4) return { page: 'cell', run: parts[1], cell: parts[3] };
  }
  if (parts[0] === 'compare' && parts[1] && parts[2] && parts.length === 3) return { page: 'compare', a: parts[1], b: parts[2] };
  return { page: 'missing', hash };
}

const e = encodeURIComponent;
export const href = {
  runs: (): string => '#/',
  run: (run: string): string => `#/run/${e(run)}`,
  cells: (run: string, filter: Record<string, string | string[] | undefined> = {}): string => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(filter)) {
      const values = Array.isArray(v) ? v : v ? [v] : [];
      if (values.length) params.set(k, values.join(','));
    }
    const q = params.toString();
    return `#/run/${e(run)}/cells${q ? `?${q}` : ''}`;
  },
  cell: (run: string, cell: string): string => `#/run/${e(run)}/cell/${e(cell)}`,
  compare: (a: string, b: string): string => `#/compare/${e(a)}/${e(b)}`,
};
