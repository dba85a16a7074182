/**
 * vm/provision.sh against a stand-in gcloud that keeps a project's state: the first run
 * enables the APIs, creates the bucket, repository and service account and grants exactly
 * the listed roles; a second run changes nothing and says so; --dry-run changes nothing.
 * The vm/ scripts are shellcheck-clean (when shellcheck is installed: apt-get install shellcheck).
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { findOnPath } from '../../src/experiment/launchers/container/podman-service.ts';
import { tempDir } from '../experiment/helpers.ts';

const PROVISION = fileURLToPath(new URL('../../vm/provision.sh', import.meta.url));
const FAKE_GCLOUD = fileURLToPath(new URL('./fixtures/fake-gcloud.mjs', import.meta.url));
const SA = 'agentab-runner@proj-123.iam.gserviceaccount.com';

function project(secrets: string[] = []) {
  const state = tempDir();
  const bin = path.join(state, 'bin');
  mkdirSync(bin);
  symlinkSync(FAKE_GCLOUD, path.join(bin, 'gcloud'));
  writeFileSync(path.join(state, 'state.json'), JSON.stringify({ services: ['compute.googleapis.com'], buckets: [], repos: [], accounts: [], secrets, policies: {} }));
  const run = (...args: string[]) =>
    execa('bash', [PROVISION, '--project', 'proj-123', ...args], {
      env: { PATH: `${bin}:${process.env.PATH}`, FAKE_GCLOUD_STATE: state, FAKE_GCLOUD_ACCOUNT: 'dev@example.com' },
      extendEnv: false,
      reject: false,
    });
  const read = () => JSON.parse(readFileSync(path.join(state, 'state.json'), 'utf8')) as { services: string[]; buckets: string[]; repos: string[]; accounts: string[]; policies: Record<string, { bindings: { role: string; members: string[] }[] }> };
  const calls = () => readFileSync(path.join(state, 'calls.log'), 'utf8').trim().split('\n');
  return { run, read, calls, state };
}

const roles = (policy: { bindings: { role: string; members: string[] }[] } | undefined, member: string) => (policy?.bindings ?? []).filter((b) => b.members.includes(member)).map((b) => b.role).sort();

describe('vm/provision.sh', () => {
  test('sets a project up with least-privilege roles, then finds everything in place', async () => {
    const p = project(['openai-key']);
    const first = await p.run('--secret', 'openai-key', '--secret', 'not-yet');
    assert.equal(first.exitCode, 0, first.stderr);
    const s = p.read();
    for (const api of ['batch.googleapis.com', 'storage.googleapis.com', 'artifactregistry.googleapis.com', 'logging.googleapis.com', 'secretmanager.googleapis.com', 'aiplatform.googleapis.com']) assert.ok(s.services.includes(api), api);
    assert.deepEqual(s.buckets, ['gs://proj-123-agentab']);
    assert.deepEqual(s.repos, ['agentab']);
    assert.deepEqual(s.accounts, [SA]);
    const member = `serviceAccount:${SA}`;
    assert.deepEqual(roles(s.policies['project:proj-123'], member), ['roles/aiplatform.user', 'roles/batch.agentReporter', 'roles/logging.logWriter']);
    assert.deepEqual(roles(s.policies['bucket:gs://proj-123-agentab'], member), ['roles/storage.objectUser']);
    assert.deepEqual(roles(s.policies['repo:agentab'], member), ['roles/artifactregistry.reader']);
    assert.deepEqual(roles(s.policies['secret:openai-key'], member), ['roles/secretmanager.secretAccessor']);
    assert.equal(s.policies['secret:not-yet'], undefined);
    assert.deepEqual(roles(s.policies[`account:${SA}`], 'user:dev@example.com'), ['roles/iam.serviceAccountUser']);
    assert.match(first.stdout, /bucket gs:\/\/proj-123-agentab: created in us-central1/);
    assert.match(first.stdout, /API compute\.googleapis\.com: enabled already/);
    assert.match(first.stdout, /secret not-yet: does not exist; create it with/);
    assert.match(first.stdout, /agentab image push --to us-central1-docker\.pkg\.dev\/proj-123\/agentab\/runner/);

    const before = p.calls().length;
    const second = await p.run('--secret', 'openai-key');
    assert.equal(second.exitCode, 0, second.stderr);
    const changing = p.calls().slice(before).filter((c) => / (create|enable|add-iam-policy-binding) /.test(` ${c} `));
    assert.deepEqual(changing, [], 'the second run changes nothing');
    assert.doesNotMatch(second.stdout, /: (created|created in .*|granted|enabled)$/m);
    assert.match(second.stdout, /service account agentab-runner@proj-123\.iam\.gserviceaccount\.com: exists/);
    assert.match(second.stdout, /roles\/storage\.objectUser on bucket proj-123-agentab for serviceAccount:.*: granted already/);
  });

  test('--dry-run prints the commands and changes nothing; bad input is refused with the reason', async () => {
    const p = project();
    const r = await p.run('--dry-run', '--no-vertex', '--region', 'europe-west4');
    assert.equal(r.exitCode, 0, r.stderr);
    assert.match(r.stdout, /would run: gcloud storage buckets create gs:\/\/proj-123-agentab --project proj-123 --location europe-west4/);
    assert.doesNotMatch(r.stdout, /aiplatform/);
    const s = p.read();
    assert.deepEqual([s.buckets, s.repos, s.accounts, s.services], [[], [], [], ['compute.googleapis.com']]);
    const bad = await p.run('--region', 'mars');
    assert.equal(bad.exitCode, 1);
    assert.match(bad.stderr, /"mars" is not a region/);
  });

  const shellcheck = findOnPath('shellcheck', process.env.PATH ?? '');
  test('the vm/ scripts are shellcheck-clean', { skip: shellcheck ? false : 'shellcheck is not installed (apt-get install shellcheck)' }, async () => {
    const r = await execa(shellcheck!, [PROVISION, fileURLToPath(new URL('../../vm/task-entry.sh', import.meta.url))], { reject: false });
    assert.equal(r.exitCode, 0, r.stdout);
  });
});
