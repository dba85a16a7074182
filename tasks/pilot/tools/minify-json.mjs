// Condition c1 of the pilot: rewrites every JSON file under docs/ (if any) without whitespace.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.argv[2] ?? 'docs';
if (existsSync(dir)) {
  for (const f of readdirSync(dir)) {
    if (!f.endsWith('.json')) continue;
    const p = path.join(dir, f);
    writeFileSync(p, JSON.stringify(JSON.parse(readFileSync(p, 'utf8'))) + '\n');
  }
}
