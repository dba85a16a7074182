/**
 * report.json: the whole model, versioned (`format`, `version`), byte-identical for the same
 * inputs and seed. Indented like JSON.stringify(…, 2), except that arrays of plain values (raw
 * samples, latencies) stay on one line so large reports remain readable and small.
 */
import type { Report } from './model.ts';

function write(value: unknown, indent: string, out: string[]): void {
  if (value === null || typeof value !== 'object') {
    out.push(value === undefined ? 'null' : JSON.stringify(value));
    return;
  }
  const inner = indent + '  ';
  if (Array.isArray(value)) {
    if (value.length === 0) return void out.push('[]');
    if (value.every((v) => v === null || typeof v !== 'object')) return void out.push(JSON.stringify(value));
    out.push('[\n');
    value.forEach((v, i) => {
      out.push(inner);
      write(v, inner, out);
      out.push(i < value.length - 1 ? ',\n' : '\n');
    });
    out.push(indent, ']');
    return;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return void out.push('{}');
  out.push('{\n');
  entries.forEach(([k, v], i) => {
    out.push(inner, JSON.stringify(k), ': ');
    write(v, inner, out);
    out.push(i < entries.length - 1 ? ',\n' : '\n');
  });
  out.push(indent, '}');
}

export function renderJson(report: Report): string {
  const out: string[] = [];
  write(report, '', out);
  out.push('\n');
  return out.join('');
}
