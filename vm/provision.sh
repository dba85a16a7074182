#!/usr/bin/env bash
# One-time setup of a Google Cloud project for `agentab run-matrix --launcher gce`, with the
# gcloud CLI. Idempotent: each step looks first and only creates or grants what is missing;
# every line it prints says what it did ("created", "granted") or found ("exists").
#
#   1. enables the APIs: Batch, Compute Engine, Cloud Storage, Artifact Registry, Cloud
#      Logging, Secret Manager, Vertex AI (and IAM, to grant roles)
#   2. creates the results bucket (uniform bucket-level access, no public access)
#   3. creates the Artifact Registry Docker repository for the runner image
#   4. creates the VMs' service account and grants it only what a task needs:
#        roles/batch.agentReporter         on the project  (the VM reports task state to Batch)
#        roles/logging.logWriter           on the project  (task logs to Cloud Logging)
#        roles/aiplatform.user             on the project  (Vertex AI calls through the proxy; --no-vertex skips)
#        roles/storage.objectUser          on the bucket   (read the input bundle, write results)
#        roles/artifactregistry.reader     on the repository (pull the runner image)
#        roles/secretmanager.secretAccessor on each --secret (upstream keys as secretVariables)
#   5. lets the person running agentab submit jobs that run as that account:
#        roles/iam.serviceAccountUser      on the service account, for --user (default: gcloud's account)
#      (they also need roles/batch.jobsEditor and storage access on the bucket: see README)
#
# Usage: vm/provision.sh --project P [--region us-central1] [--bucket NAME] [--repository agentab]
#                        [--service-account agentab-runner] [--secret NAME]... [--user EMAIL]
#                        [--no-vertex] [--dry-run]
# --dry-run prints the gcloud commands that would change something, and changes nothing.
# Then: agentab image push --to <region>-docker.pkg.dev/<project>/<repository>/runner
set -euo pipefail

project="" region="us-central1" bucket="" repository="agentab" account="agentab-runner" user="" vertex=1 dry_run=0
secrets=()
usage() { sed -n '2,27p' "$0"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --project) project="${2:?--project needs a value}"; shift 2 ;;
    --region) region="${2:?--region needs a value}"; shift 2 ;;
    --bucket) bucket="${2:?--bucket needs a value}"; shift 2 ;;
    --repository) repository="${2:?--repository needs a value}"; shift 2 ;;
    --service-account) account="${2:?--service-account needs a value}"; shift 2 ;;
    --secret) secrets+=("${2:?--secret needs a value}"); shift 2 ;;
    --user) user="${2:?--user needs a value}"; shift 2 ;;
    --no-vertex) vertex=0; shift ;;
    --dry-run) dry_run=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) echo "provision: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done

say() { echo "provision: $*"; }
die() { echo "provision: $*" >&2; exit 1; }
command -v gcloud >/dev/null 2>&1 || die "gcloud is not installed (https://cloud.google.com/sdk/docs/install), or not on PATH"
[ -n "$project" ] || project="$(gcloud config get-value project 2>/dev/null || true)"
[ -n "$project" ] || die "no project: give --project (or set one with gcloud config set project P)"
[[ "$project" =~ ^[a-z][a-z0-9-]{4,28}[a-z0-9]$ ]] || die "\"$project\" is not a project id"
[[ "$region" =~ ^[a-z]+-[a-z]+[0-9]+$ ]] || die "\"$region\" is not a region (e.g. us-central1)"
[ -n "$bucket" ] || bucket="$project-agentab"
[[ "$account" =~ ^[a-z][a-z0-9-]{4,28}[a-z0-9]$ ]] || die "\"$account\" is not a service account name (6-30 lowercase letters, digits, -)"
sa="$account@$project.iam.gserviceaccount.com"
if [ -z "$user" ]; then user="$(gcloud config get-value account 2>/dev/null || true)"; fi

# run a command that changes something (or print it with --dry-run)
change() {
  if [ "$dry_run" = 1 ]; then
    say "would run: $*"
  else
    "$@" >/dev/null
  fi
}

# --- 1. APIs -------------------------------------------------------------------------------
apis=(batch.googleapis.com compute.googleapis.com storage.googleapis.com artifactregistry.googleapis.com logging.googleapis.com secretmanager.googleapis.com iam.googleapis.com)
[ "$vertex" = 1 ] && apis+=(aiplatform.googleapis.com)
enabled="$(gcloud services list --enabled --project "$project" --format='value(config.name)')"
missing=()
for api in "${apis[@]}"; do
  if grep -qx "$api" <<<"$enabled"; then say "API $api: enabled already"; else missing+=("$api"); fi
done
if [ "${#missing[@]}" -gt 0 ]; then
  change gcloud services enable "${missing[@]}" --project "$project"
  say "API ${missing[*]}: enabled"
fi

# --- 2. bucket -----------------------------------------------------------------------------
if gcloud storage buckets describe "gs://$bucket" --project "$project" >/dev/null 2>&1; then
  say "bucket gs://$bucket: exists"
else
  change gcloud storage buckets create "gs://$bucket" --project "$project" --location "$region" --uniform-bucket-level-access --public-access-prevention
  say "bucket gs://$bucket: created in $region"
fi

# --- 3. Artifact Registry repository -------------------------------------------------------
if gcloud artifacts repositories describe "$repository" --location "$region" --project "$project" >/dev/null 2>&1; then
  say "repository $region-docker.pkg.dev/$project/$repository: exists"
else
  change gcloud artifacts repositories create "$repository" --repository-format docker --location "$region" --project "$project" --description "agentab runner images"
  say "repository $region-docker.pkg.dev/$project/$repository: created"
fi

# --- 4. service account and its roles ------------------------------------------------------
if gcloud iam service-accounts describe "$sa" --project "$project" >/dev/null 2>&1; then
  say "service account $sa: exists"
else
  change gcloud iam service-accounts create "$account" --project "$project" --display-name "agentab GCE runner (Batch tasks)"
  say "service account $sa: created"
fi

# grant ROLE on a resource when its policy lacks it: grant KIND NAME ROLE MEMBER
grant() {
  local kind="$1" name="$2" role="$3" member="$4" policy
  case "$kind" in
    project) policy="$(gcloud projects get-iam-policy "$name" --format=json)" ;;
    bucket) policy="$(gcloud storage buckets get-iam-policy "gs://$name" --format=json 2>/dev/null || echo '{}')" ;;
    repository) policy="$(gcloud artifacts repositories get-iam-policy "$name" --location "$region" --project "$project" --format=json 2>/dev/null || echo '{}')" ;;
    secret) policy="$(gcloud secrets get-iam-policy "$name" --project "$project" --format=json 2>/dev/null || echo '{}')" ;;
    account) policy="$(gcloud iam service-accounts get-iam-policy "$name" --project "$project" --format=json 2>/dev/null || echo '{}')" ;;
  esac
  # the policy's bindings as "role member" lines
  if tr -d ' \n' <<<"$policy" | grep -q "\"members\":\[[^]]*\"$member\"[^]]*\],\"role\":\"$role\"\|\"role\":\"$role\"[^}]*\"members\":\[[^]]*\"$member\""; then
    say "$role on $kind $name for $member: granted already"
    return
  fi
  case "$kind" in
    project) change gcloud projects add-iam-policy-binding "$name" --member "$member" --role "$role" --condition None ;;
    bucket) change gcloud storage buckets add-iam-policy-binding "gs://$name" --member "$member" --role "$role" ;;
    repository) change gcloud artifacts repositories add-iam-policy-binding "$name" --location "$region" --project "$project" --member "$member" --role "$role" ;;
    secret) change gcloud secrets add-iam-policy-binding "$name" --project "$project" --member "$member" --role "$role" ;;
    account) change gcloud iam service-accounts add-iam-policy-binding "$name" --project "$project" --member "$member" --role "$role" ;;
  esac
  say "$role on $kind $name for $member: granted"
}

grant project "$project" roles/batch.agentReporter "serviceAccount:$sa"
grant project "$project" roles/logging.logWriter "serviceAccount:$sa"
[ "$vertex" = 1 ] && grant project "$project" roles/aiplatform.user "serviceAccount:$sa"
grant bucket "$bucket" roles/storage.objectUser "serviceAccount:$sa"
grant repository "$repository" roles/artifactregistry.reader "serviceAccount:$sa"
for secret in "${secrets[@]}"; do
  if gcloud secrets describe "$secret" --project "$project" >/dev/null 2>&1; then
    grant secret "$secret" roles/secretmanager.secretAccessor "serviceAccount:$sa"
  else
    say "secret $secret: does not exist; create it with: printf %s \"\$KEY\" | gcloud secrets create $secret --project $project --data-file=-   (then run this again)"
  fi
done

# --- 5. the submitting user may run jobs as the service account ------------------------------
if [ -n "$user" ]; then
  case "$user" in *.gserviceaccount.com) member="serviceAccount:$user" ;; *) member="user:$user" ;; esac
  grant account "$sa" roles/iam.serviceAccountUser "$member"
else
  say "no --user and no gcloud account: grant roles/iam.serviceAccountUser on $sa to whoever submits jobs"
fi

say "done. Next: agentab image push --to $region-docker.pkg.dev/$project/$repository/runner:latest   (prints the image pinned by digest)"
say "then: agentab run-matrix --launcher gce --gce-project $project --gce-region $region --gce-bucket $bucket --gce-service-account $sa --gce-image <the pinned image>"
