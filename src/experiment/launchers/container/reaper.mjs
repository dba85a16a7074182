// Removes every container of one agentab run: `node reaper.mjs '<connection json>' <runId>`.
// Plain JavaScript on purpose: it runs from an `exit` handler through spawnSync, so it must
// start fast and without the TypeScript loader. Exit code 0 when nothing of the run is left.
import Docker from 'dockerode';

const [connection, runId] = process.argv.slice(2);
if (!connection || !runId) {
  process.stderr.write('usage: reaper.mjs <connection-json> <run-id>\n');
  process.exit(2);
}
const docker = new Docker(JSON.parse(connection));
const list = await docker.listContainers({ all: true, filters: { label: [`agentab.run=${runId}`] } });
const results = await Promise.allSettled(list.map((c) => docker.getContainer(c.Id).remove({ force: true, v: true })));
const failed = results.filter((r) => r.status === 'rejected' && r.reason?.statusCode !== 404 && r.reason?.statusCode !== 409);
process.exitCode = failed.length ? 1 : 0;
