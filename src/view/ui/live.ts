/** Live updates: pages re-fetch their data when the version of their run changes. */
import { createContext } from 'preact';
import { useContext, useLayoutEffect, useState } from 'preact/hooks';
import { getJson } from './api.ts';

export const LiveContext = createContext<Record<string, number>>({});

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
}

/** Fetches `path` now, again when `liveKey`'s run changes, and when `path` changes. */
export function useApi<T>(path: string | null, liveKey: string): Loaded<T> {
  const versions = useContext(LiveContext);
  const version = versions[liveKey] ?? 0;
  const [state, setState] = useState<Loaded<T>>({ data: null, error: null, loading: true });
  // a layout effect, so the request leaves as the page mounts: Preact runs plain effects after
  // the next animation frame, which a busy or background tab may hold back for 100 ms or more
  useLayoutEffect(() => {
    if (!path) return;
    let gone = false;
    setState((s) => ({ ...s, loading: true }));
    getJson<T>(path).then(
      (data) => !gone && setState({ data, error: null, loading: false }),
      (e: Error) => !gone && setState({ data: null, error: e.message, loading: false }),
    );
    return () => {
      gone = true;
    };
  }, [path, version]);
  return state;
}
