/** The report's glossary: what each metric counts and what each marker in the tables means. Plain text. */
import { formatPercent, thresholdText } from './format.ts';
import { metricDef } from './metrics.ts';
import type { Report } from './model.ts';

export interface GlossaryEntry {
  term: string;
  meaning: string;
}

export function glossary(r: Report): { metrics: GlossaryEntry[]; markers: GlossaryEntry[] } {
  const o = r.options;
  const conf = formatPercent(o.confidence);
  return {
    metrics: [
      ...o.metrics.map((m) => ({ term: metricDef(m).label, meaning: metricDef(m).help })),
      { term: 'success rate', meaning: 'runs whose task check passed, of the runs used (infra and canceled runs are not used)' },
    ],
    markers: [
      { term: 'x [lo, hi]', meaning: `a median (or a change) with its ${conf} interval` },
      { term: '+12.3% / -4.5%', meaning: `ratio of medians, condition over ${o.baseline}, as a percent change` },
      { term: 'p', meaning: 'two-sided exact rank-test p-value; "p≈" marks the normal approximation' },
      { term: 'q', meaning: 'Benjamini–Hochberg adjusted p over every per-task comparison' },
      { term: 'Holm p', meaning: 'Holm-adjusted p over every headline (geomean) verdict' },
      { term: 'n=6+6', meaning: `runs used in ${o.baseline} + in the condition (pairs when the design is paired)` },
      { term: 'geomean', meaning: 'geometric mean of the per-task ratios: the headline across tasks' },
      { term: 'improved / regressed', meaning: `the whole interval lies beyond ±${thresholdText(o.threshold)} (θ) and the adjusted p < ${o.alpha}` },
      { term: 'no meaningful change', meaning: `the whole interval lies inside ±${thresholdText(o.threshold)}` },
      { term: 'inconclusive (~)', meaning: 'neither: the interval crosses the ±θ band, or the runs are too few for any verdict' },
      { term: '±∞', meaning: 'no interval at this confidence: too few runs' },
      { term: 'detectable', meaning: 'the change this design would call with the report\'s power at this n' },
    ],
  };
}
