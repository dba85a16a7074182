/** The viewer's front end (Preact): pages chosen by the URL hash, data from /api, live updates. */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { LiveContext } from './live.ts';
import { parseRoute, type Route } from './route.ts';
import { RunsPage } from './pages/runs.tsx';
import { RunPage } from './pages/run.tsx';
import { CellsPage } from './pages/cells.tsx';
import { CellPage } from './pages/cell.tsx';
import { ComparePage } from './pages/compare.tsx';

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onHash = (): void => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  return route;
}

/** Versions per run key, bumped when the server says the run's records changed. */
function useLive(): Record<string, number> {
  const [versions, setVersions] = useState<Record<string, number>>({});
  useEffect(() => {
    const source = new EventSource('/api/events');
    source.addEventListener('run', (ev) => {
      const { key } = JSON.parse((ev as MessageEvent<string>).data) as { key: string };
      setVersions((v) => ({ ...v, [key]: (v[key] ?? 0) + 1, '*': (v['*'] ?? 0) + 1 }));
    });
    return () => source.close();
  }, []);
  return versions;
}

function App() {
  const route = useRoute();
  const live = useLive();
  let page;
  switch (route.page) {
    case 'runs':
      page = <RunsPage />;
      break;
    case 'run':
      page = <RunPage run={route.run} />;
      break;
    case 'cells':
      page = <CellsPage run={route.run} params={route.params} />;
      break;
    case 'cell':
      page = <CellPage run={route.run} cell={route.cell} />;
      break;
    case 'compare':
      page = <ComparePage a={route.a} b={route.b} />;
      break;
    default:
      page = <p class="error">No page at {route.hash}. <a href="#/">All runs</a></p>;
  }
  return (
    <LiveContext.Provider value={live}>
      <header class="top">
        <a href="#/" class="brand">agentab view</a>
        <span class="live" title="Pages refresh as records arrive">● live</span>
      </header>
      <main>{page}</main>
    </LiveContext.Provider>
  );
}

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
