/**
 * A validator of Chrome Trace Event JSON as the format document defines it (no trace
 * processor is installable from npm): required fields per phase, integer microsecond
 * timestamps, async begin/end matched per (pid, cat, id) and properly nested, complete events
 * on one thread properly nested, counters with numeric values. Returns the problems found.
 */
import { z } from 'zod';

const Base = z.object({
  name: z.string().min(1),
  ph: z.enum(['X', 'b', 'e', 'n', 'C', 'M', 'i']),
  pid: z.number().int().positive(),
  tid: z.number().int().nonnegative().optional(),
  ts: z.number().int().nonnegative().optional(),
  dur: z.number().int().nonnegative().optional(),
  cat: z.string().optional(),
  id: z.string().optional(),
  args: z.record(z.string(), z.unknown()).optional(),
});
type Ev = z.infer<typeof Base>;

export function validateTrace(json: unknown): string[] {
  const problems: string[] = [];
  const top = z.object({ traceEvents: z.array(z.unknown()), displayTimeUnit: z.enum(['ms', 'ns']).optional() }).safeParse(json);
  if (!top.success) return [`top level: ${top.error.issues[0]?.message}`];
  const events: Ev[] = [];
  top.data.traceEvents.forEach((raw, i) => {
    const r = Base.safeParse(raw);
    if (!r.success) problems.push(`event ${i}: ${r.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ')}`);
    else events.push(r.data);
  });
  const named = new Set(events.filter((e) => e.ph === 'M' && e.name === 'process_name').map((e) => e.pid));
  const stacks = new Map<string, Ev[]>();
  const threads = new Map<string, { start: number; end: number; name: string }[]>();
  events.forEach((e, i) => {
    const where = `event ${i} (${e.ph} ${e.name})`;
    if (e.ph !== 'M' && e.ts === undefined) problems.push(`${where}: no ts`);
    if (e.ph !== 'M' && !named.has(e.pid)) problems.push(`${where}: pid ${e.pid} has no process_name`);
    if (e.ph === 'X') {
      if (e.dur === undefined) problems.push(`${where}: X without dur`);
      if (e.tid === undefined) problems.push(`${where}: X without tid`);
      const key = `${e.pid}/${e.tid}`;
      const list = threads.get(key) ?? [];
      list.push({ start: e.ts ?? 0, end: (e.ts ?? 0) + (e.dur ?? 0), name: e.name });
      threads.set(key, list);
    }
    if (e.ph === 'b' || e.ph === 'e' || e.ph === 'n') {
      if (!e.id || !e.cat) {
        problems.push(`${where}: async event without id and cat`);
        return;
      }
      const key = `${e.pid}/${e.cat}/${e.id}`;
      const stack = stacks.get(key) ?? [];
      if (e.ph === 'b') stack.push(e);
      else if (e.ph === 'e') {
        const open = stack.pop();
        if (!open) problems.push(`${where}: end without begin (${key})`);
        else if (open.name !== e.name) problems.push(`${where}: ends "${open.name}" out of order (${key})`);
        else if ((e.ts ?? 0) < (open.ts ?? 0)) problems.push(`${where}: ends before it begins`);
      } else if (stack.length === 0) problems.push(`${where}: instant outside its async slice`);
      stacks.set(key, stack);
    }
    if (e.ph === 'C' && (!e.args || Object.values(e.args).some((v) => typeof v !== 'number'))) problems.push(`${where}: counter values must be numbers`);
  });
  for (const [key, stack] of stacks) if (stack.length) problems.push(`unclosed async slices ${key}: ${stack.map((s) => s.name).join(', ')}`);
  for (const [key, list] of threads) {
    const sorted = [...list].sort((a, b) => a.start - b.start || b.end - a.end);
    const open: { end: number; name: string }[] = [];
    for (const s of sorted) {
      while (open.length && open[open.length - 1]!.end <= s.start) open.pop();
      const parent = open[open.length - 1];
      if (parent && s.end > parent.end) problems.push(`thread ${key}: "${s.name}" overlaps "${parent.name}" without nesting`);
      open.push(s);
    }
  }
  return problems;
}
