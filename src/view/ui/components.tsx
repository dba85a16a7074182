/** Small pieces the pages share. */
import type { ComponentChildren } from 'preact';
import type { Loaded } from './live.ts';

/** A verdict badge; `label` replaces the verdict's own words (success: "worse", "no difference"). */
export function Verdict({ verdict, label }: { verdict: string | null | undefined; label?: string | undefined }) {
  if (!verdict) return null;
  return <span class={`v v-${verdict}`}>{label ?? verdict.replace(/-/g, ' ')}</span>;
}

export function Outcome({ outcome }: { outcome: string }) {
  return <span class={`o o-${outcome}`}>{outcome}</span>;
}

export function Status<T>({ state, children }: { state: Loaded<T>; children: (data: T) => ComponentChildren }) {
  if (state.error) return <p class="error">{state.error}</p>;
  if (!state.data) return <p class="loading">Loading…</p>;
  return <>{children(state.data)}</>;
}

export function Crumbs({ items }: { items: [string, string | null][] }) {
  return (
    <nav class="crumbs">
      {items.map(([label, link], i) => (
        <span key={i}>
          {i > 0 ? ' › ' : ''}
          {link ? <a href={link}>{label}</a> : <b>{label}</b>}
        </span>
      ))}
    </nav>
  );
}
