// Check of summarise-doc: SUMMARY.md names every endpoint of docs/api.json (method and path).
import { readFileSync } from 'node:fs';
import path from 'node:path';

const taskDir = process.env.AGENTAB_TASK_DIR ?? path.dirname(new URL(import.meta.url).pathname) + '/..';
const doc = JSON.parse(readFileSync(path.join(taskDir, 'fixtures/summarise-doc/docs/api.json'), 'utf8'));
const summary = readFileSync('SUMMARY.md', 'utf8');
const missing = doc.endpoints.filter((e) => !summary.includes(`${e.method} ${e.path}`));
if (missing.length) {
  console.error(`SUMMARY.md misses ${missing.length} endpoints, e.g. ${missing[0].method} ${missing[0].path}`);
  process.exit(1);
}
console.log(`all ${doc.endpoints.length} endpoints listed`);
