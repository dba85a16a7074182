// Downloads one Cloud Storage object to a local file with Google's storage client:
//   node fetch-input.mjs gs://<bucket>/<object> <file>
// vm/task-entry.sh runs it for the run's input bundle. Plain JavaScript: it runs before
// agentab, with only Node and agentab's dependencies (resolved from this file's real path,
// /opt/agents/agentab/vm → /opt/agents/node_modules). AGENTAB_GCS_ENDPOINT points the client
// at another JSON API server (tests); credentials come from the VM's service account (ADC).
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Storage } from '@google-cloud/storage';

const [uri, file] = process.argv.slice(2);
const m = /^gs:\/\/([^/]+)\/(.+)$/.exec(uri ?? '');
if (!m || !file) {
  console.error(`usage: fetch-input.mjs gs://<bucket>/<object> <file> (got ${JSON.stringify(process.argv.slice(2))})`);
  process.exit(2);
}
const endpoint = process.env.AGENTAB_GCS_ENDPOINT;
const storage = new Storage({ ...(endpoint ? { apiEndpoint: endpoint } : {}), retryOptions: { autoRetry: true, maxRetries: 5 } });
try {
  await pipeline(storage.bucket(m[1]).file(m[2]).createReadStream(), createWriteStream(file));
} catch (e) {
  console.error(`fetch-input: cannot download ${uri}: ${e.message}`);
  process.exit(e.code === 404 ? 3 : 1);
}
