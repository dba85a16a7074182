/** Tukey fences: values beyond 1.5·IQR from the quartiles are mild outliers, beyond 3·IQR extreme. */
import { quantileSorted, type Sample } from './quantile.ts';

export interface Fences {
  q1: number;
  q3: number;
  lowMild: number;
  highMild: number;
  lowExtreme: number;
  highExtreme: number;
}

export type OutlierKind = 'mild' | 'extreme';

export function tukeyFences(sorted: Sample): Fences {
  const q1 = quantileSorted(sorted, 0.25);
  const q3 = quantileSorted(sorted, 0.75);
  const iqr = q3 - q1;
  return { q1, q3, lowMild: q1 - 1.5 * iqr, highMild: q3 + 1.5 * iqr, lowExtreme: q1 - 3 * iqr, highExtreme: q3 + 3 * iqr };
}

export function classifyOutlier(x: number, f: Fences): OutlierKind | null {
  if (x < f.lowExtreme || x > f.highExtreme) return 'extreme';
  if (x < f.lowMild || x > f.highMild) return 'mild';
  return null;
}
