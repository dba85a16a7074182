#!/usr/bin/env bash
# Installs Podman (and what the offline image build needs) from Debian's packages and
# configures it for hosts like the CI machines: rootful Podman with the `runc` runtime
# (crun fails on a hybrid cgroup v1/v2 layout) and default ulimits below the host's hard
# limits (asking for limits equal to the host's fails with EPERM inside a nested sandbox).
#
# Idempotent: installs only what is missing, rewrites its own config block only.
# Usage: sudo containers/setup-podman.sh        (CI: bash containers/setup-podman.sh)
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

if [ "$(id -u)" -ne 0 ]; then
  echo "setup-podman: must run as root (podman is used rootful here)" >&2
  exit 1
fi

# podman + runc: the engine; debootstrap: the offline image's root filesystem;
# iptables/netavark/aardvark-dns are podman's own dependencies (pulled in by it).
packages=(podman runc debootstrap)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup-podman: installing ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

conf=/etc/containers/containers.conf
mkdir -p /etc/containers
want='# agentab: written by containers/setup-podman.sh
[engine]
runtime = "runc"

[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1000:1000"]
'
if [ ! -f "$conf" ] || [ "$(cat "$conf")" != "$(printf '%s' "$want")" ]; then
  if [ -f "$conf" ] && ! grep -q '^# agentab: written by' "$conf"; then
    cp "$conf" "$conf.agentab-backup"
    echo "setup-podman: saved the previous $conf as $conf.agentab-backup"
  fi
  printf '%s' "$want" >"$conf"
  echo "setup-podman: wrote $conf"
fi

# a registry-free host: no short-name prompts, no search registries
if [ ! -f /etc/containers/registries.conf.d/50-agentab.conf ]; then
  mkdir -p /etc/containers/registries.conf.d
  printf 'short-name-mode = "permissive"\n' >/etc/containers/registries.conf.d/50-agentab.conf
fi

podman --version
podman info --format '{{.Host.OCIRuntime.Name}} {{.Host.CgroupsVersion}} {{.Store.GraphDriverName}}'
