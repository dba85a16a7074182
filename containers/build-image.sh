#!/usr/bin/env bash
# Builds the agentab runner image OFFLINE (no container registry): a `debootstrap
# --variant=minbase` root filesystem from the host's own Debian/Ubuntu mirror (read from
# /etc/apt), the host's Node runtime and the runner packages installed with agentab
# (node_modules/@anthropic-ai/claude-code*, node_modules/opencode-ai, opencode-linux-x64*)
# copied to /opt/agents, a non-root `agent` user, imported with `podman import` (or
# `docker import`). The result is the same layout as containers/Containerfile.
#
# The tag is derived from the content (runner versions, Node version, this script), so the
# image is rebuilt only when one of them changes. The debootstrap root filesystem is cached
# as a tarball under the cache dir, so a rebuild takes seconds.
#
# With --with-agentab the image also carries agentab itself (what each GCE VM runs: `agentab
# run-matrix --shard …` through vm/task-entry.sh): its sources, bin/, dist/ when built, vm/,
# the shipped experiments and tasks, and its production dependencies (`npm ls --omit=dev`)
# beside the runner packages in /opt/agents/node_modules; /opt/agentab links to it and
# `agentab` is on PATH. Its tag also hashes agentab's files, and its default name is
# localhost/agentab-gce-runner.
#
# Usage: containers/build-image.sh [--print-tag] [--force] [--with-agentab]
#   stdout: the image reference (e.g. localhost/agentab-runners:cc2.1.197-oc1.18.33-…), alone
#   stderr: progress
# Environment (all optional):
#   AGENTAB_ROOT        agentab's directory (default: this script's parent)
#   AGENTAB_NODE        the Node binary to copy in (default: `node` on PATH)
#   AGENTAB_ENGINE      podman | docker (default: podman if installed, else docker)
#   AGENTAB_CACHE_DIR   cache dir (default: $XDG_CACHE_HOME/agentab or ~/.cache/agentab)
#   AGENTAB_IMAGE_NAME  image name without tag (default: localhost/agentab-runners, or
#                       localhost/agentab-gce-runner with --with-agentab)
#   AGENTAB_DEBIAN_MIRROR  mirror URL (default: the host's apt source for its codename)
set -euo pipefail

script="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/$(basename "${BASH_SOURCE[0]}")"
# normalised (no trailing slash): paths below are matched against it as text
root="$(cd "${AGENTAB_ROOT:-$(dirname "$(dirname "$script")")}" && pwd -P)"
node_bin="$(readlink -f "${AGENTAB_NODE:-$(command -v node)}")"
cache="${AGENTAB_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/agentab}"
includes="git,ca-certificates,ripgrep"

print_tag=0
force=0
with_agentab=0
for a in "$@"; do
  case "$a" in
    --print-tag) print_tag=1 ;;
    --force) force=1 ;;
    --with-agentab) with_agentab=1 ;;
    -h | --help) sed -n '2,33p' "$script"; exit 0 ;;
    *) echo "build-image: unknown argument $a" >&2; exit 2 ;;
  esac
done

if [ "$with_agentab" = 1 ]; then name="${AGENTAB_IMAGE_NAME:-localhost/agentab-gce-runner}"; else name="${AGENTAB_IMAGE_NAME:-localhost/agentab-runners}"; fi

say() { echo "build-image: $*" >&2; }
die() { say "$*"; exit 1; }

engine="${AGENTAB_ENGINE:-}"
if [ -z "$engine" ]; then
  if command -v podman >/dev/null 2>&1; then engine=podman
  elif command -v docker >/dev/null 2>&1; then engine=docker
  else die "neither podman nor docker is installed (run containers/setup-podman.sh)"; fi
fi

# --- what goes in: the runner packages installed with agentab -----------------------------
nm="$root/node_modules"
packages=()
for p in "$nm/@anthropic-ai/claude-code" "$nm"/@anthropic-ai/claude-code-linux-x64* "$nm/opencode-ai" "$nm"/opencode-linux-x64*; do
  [ -f "$p/package.json" ] && packages+=("${p#"$nm"/}")
done
[ -f "$nm/@anthropic-ai/claude-code/package.json" ] || die "$nm/@anthropic-ai/claude-code is not installed (npm install in $root)"
[ -f "$nm/opencode-ai/package.json" ] || die "$nm/opencode-ai is not installed (npm install in $root)"
version_of() { "$node_bin" -p "require(process.argv[1]).version" "$nm/$1/package.json"; }

. /etc/os-release
codename="${VERSION_CODENAME:-}"
[ -n "$codename" ] || die "cannot tell the host's release codename from /etc/os-release"
node_version="$("$node_bin" --version)"

# --- agentab itself (--with-agentab): its files and its production dependencies ------------
agentab_files=() agentab_deps=()
if [ "$with_agentab" = 1 ]; then
  for f in package.json package-lock.json tsconfig.json tsconfig.build.json bin src dist scripts vm experiments tasks; do
    [ -e "$root/$f" ] && agentab_files+=("$f")
  done
  # the top-level packages of the production tree, less the runner packages (already in)
  while read -r dep; do
    case "$dep" in @anthropic-ai/claude-code* | opencode-ai | opencode-linux-x64*) continue ;; esac
    agentab_deps+=("$dep")
  done < <(cd "$root" && npm ls --omit=dev --all --parseable 2>/dev/null | sed -n "s,^$root/node_modules/,,p" | grep -E '^(@[^/]+/)?[^/]+$' | sort -u)
  [ "${#agentab_deps[@]}" -gt 0 ] || die "npm ls --omit=dev found no production dependencies in $root (npm install first)"
  agentab_hash="$(cd "$root" && find "${agentab_files[@]}" -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-12)"
fi

manifest="$(
  echo "script $(sha256sum "$script" | cut -d' ' -f1)"
  echo "node $node_version"
  echo "release $codename $includes"
  for p in "${packages[@]}"; do echo "package $p@$(version_of "$p")"; done
  if [ "$with_agentab" = 1 ]; then
    echo "agentab files $agentab_hash"
    # one Node for all ~300 of them (a Node start each took ~40 s on a loaded machine)
    "$node_bin" -e 'const fs = require("node:fs"); const [nm, ...deps] = process.argv.slice(1); for (const p of deps) console.log(`dependency ${p}@${JSON.parse(fs.readFileSync(`${nm}/${p}/package.json`, "utf8")).version}`)' "$nm" "${agentab_deps[@]}"
  fi
)"
hash="$(printf '%s\n' "$manifest" | sha256sum | cut -c1-12)"
tag="cc$(version_of @anthropic-ai/claude-code)-oc$(version_of opencode-ai)-node${node_version#v}-$hash"
ref="$name:$tag"

if [ "$print_tag" = 1 ]; then echo "$ref"; exit 0; fi

image_exists() {
  if [ "$engine" = podman ]; then podman image exists "$1"; else docker image inspect "$1" >/dev/null 2>&1; fi
}

mkdir -p "$cache"
# one build at a time per cache dir (parallel test files, two terminals)
exec 9>"$cache/build.lock"
flock 9

image_id() {
  if [ "$engine" = podman ]; then podman image inspect --format '{{.Id}}' "$1" 2>/dev/null; else docker image inspect --format '{{.Id}}' "$1" 2>/dev/null; fi
}
previous=""
if image_exists "$ref"; then
  if [ "$force" = 0 ]; then
    say "$ref is up to date"
    echo "$ref"
    exit 0
  fi
  previous="$(image_id "$ref" || true)"
fi

# --- the root filesystem: debootstrap from the host's mirror, cached as a tarball ----------
mirror_of_host() {
  # deb822 sources first (Debian 12+), then one-line sources; the first entry of type deb
  # serving the host's codename (not -security/-updates) wins
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    awk -v want="$codename" '
      function flush() { if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " want " ") && uris != "") { split(uris, u, " "); print u[1]; found = 1; exit } types = suites = uris = "" }
      /^[[:space:]]*$/ { flush(); next }
      /^[[:space:]]*#/ { next }
      /^Types:/ { sub(/^Types:[[:space:]]*/, ""); types = $0 }
      /^Suites:/ { sub(/^Suites:[[:space:]]*/, ""); suites = $0 }
      /^URIs:/ { sub(/^URIs:[[:space:]]*/, ""); uris = $0 }
      END { if (!found) flush() }' "$f" | head -n1
  done | head -n1
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    awk -v want="$codename" '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ } if ($(i + 1) == want) { print $i; exit } }' "$f"
  done | head -n1
}
mirror="${AGENTAB_DEBIAN_MIRROR:-$(mirror_of_host | head -n1)}"
[ -n "$mirror" ] || die "no apt source for $codename in /etc/apt/sources.list(.d); set AGENTAB_DEBIAN_MIRROR"

rootfs_key="$(printf '%s %s %s\n' "$codename" "$includes" "$mirror" | sha256sum | cut -c1-12)"
# cached as a directory, not a tarball: the image stream below reads it directly, with no
# extraction or copy on each build (creating ~10k files is the slow part of a build)
rootfs="$cache/rootfs-$codename-minbase-$rootfs_key"
work="$(mktemp -d "${TMPDIR:-/tmp}/agentab-image.XXXXXX")"
trap 'rm -rf "$work"' EXIT

if [ ! -d "$rootfs" ]; then
  command -v debootstrap >/dev/null 2>&1 || die "debootstrap is not installed (run containers/setup-podman.sh)"
  say "debootstrap --variant=minbase $codename from $mirror (cached in $rootfs)"
  rm -rf "$rootfs.partial"
  debootstrap --variant=minbase --include="$includes" "$codename" "$rootfs.partial" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -n 30 "$work/debootstrap.log" >&2; rm -rf "$rootfs.partial"; die "debootstrap failed (log above)"; }
  rm -rf "$rootfs.partial/var/cache/apt/archives"/*.deb "$rootfs.partial/var/lib/apt/lists"/* "$rootfs.partial/var/log"/*.log
  mv "$rootfs.partial" "$rootfs"
fi

# --- what the image adds to the root filesystem (small: staged; the packages are streamed) -
stage="$work/stage"
agents="$stage/opt/agents"
mkdir -p "$stage/etc" "$stage/usr/local/bin" "$agents/bin" "$agents/node_modules/@anthropic-ai"
say "staging $ref"

# the non-root user the runners run as (written directly: no chroot, no useradd needed)
for f in passwd group shadow; do cp -p "$rootfs/etc/$f" "$stage/etc/$f"; done
grep -q '^agent:' "$stage/etc/passwd" || {
  echo 'agent:x:1000:1000:agentab runner:/home/agent:/bin/bash' >>"$stage/etc/passwd"
  echo 'agent:x:1000:' >>"$stage/etc/group"
  echo 'agent:!:19000:0:99999:7:::' >>"$stage/etc/shadow"
}
mkdir -p "$stage/home/agent"
chown 1000:1000 "$stage/home/agent"
chmod 0755 "$stage/home/agent"

# the host's Node, with any shared library the root filesystem lacks
cp "$node_bin" "$agents/bin/node"
extra=()
while read -r lib; do
  [ -e "$rootfs$lib" ] && continue
  mkdir -p "$stage$(dirname "$lib")"
  cp -L "$lib" "$stage$lib"
  extra+=("${lib#/}")
done < <(ldd "$node_bin" | awk '/=> \//{ print $3 }')
ln -s ../node_modules/@anthropic-ai/claude-code/bin/claude.exe "$agents/bin/claude"
ln -s ../node_modules/opencode-ai/bin/opencode.exe "$agents/bin/opencode"
ln -s /opt/agents/bin/node "$stage/usr/local/bin/node"
printf '%s\n' "$manifest" >"$agents/MANIFEST"
agentab_links=()
if [ "$with_agentab" = 1 ]; then
  # agentab lives beside the runner packages, so Node resolves both its dependencies and the
  # runner CLIs from /opt/agents/node_modules; /opt/agentab is the documented path
  ln -s agents/agentab "$stage/opt/agentab"
  ln -s ../agentab/bin/agentab.js "$agents/bin/agentab"
  agentab_links+=(opt/agentab)
fi

# opencode's postinstall copies its platform binary to opencode-ai/bin/opencode.exe: the
# platform package's identical copy becomes a symlink to it (saves ~180 MB)
skip=() links=()
main_oc="$nm/opencode-ai/bin/opencode.exe"
for b in "$nm"/opencode-linux-x64*/bin/opencode; do
  [ -f "$b" ] && cmp -s "$b" "$main_oc" || continue
  rel="${b#"$nm"/}"
  skip+=(--exclude="node_modules/$rel")
  mkdir -p "$agents/node_modules/$(dirname "$rel")"
  ln -s ../../opencode-ai/bin/opencode.exe "$agents/node_modules/$rel"
  links+=("opt/agents/node_modules/$rel")
done

say "importing into $engine"
path_env="/opt/agents/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# one stream, three sources: the cached root filesystem (less the files staged anew), the
# staged additions, and the runner packages read in place from node_modules (renamed under
# /opt/agents; hard links between them, e.g. claude.exe, stay hard links)
# (the layer may hold each path once: every directory comes from exactly one source)
members=(etc/passwd etc/group etc/shadow home/agent usr/local/bin/node "${extra[@]}" opt/agents/bin opt/agents/MANIFEST "${agentab_links[@]}")
# agentab's own files (--with-agentab) go under /opt/agents/agentab, its dependencies beside
# the runner packages (the node_modules/ transform above)
agentab_names='package\.json\|package-lock\.json\|tsconfig\.json\|tsconfig\.build\.json\|bin\|src\|dist\|scripts\|vm\|experiments\|tasks'
tar --numeric-owner -cf - \
  -C "$rootfs" --exclude=./etc/passwd --exclude=./etc/group --exclude=./etc/shadow --exclude=./opt . \
  -C "$stage" --no-recursion opt opt/agents opt/agents/node_modules opt/agents/node_modules/@anthropic-ai --recursion "${members[@]}" \
  -C "$root" --anchored "${skip[@]}" --no-anchored --transform 's,^node_modules/,opt/agents/node_modules/,S' "${packages[@]/#/node_modules/}" \
  --transform "s,^\\($agentab_names\\)\\(/\\|\$\\),opt/agents/agentab/\\1\\2,S" "${agentab_files[@]}" "${agentab_deps[@]/#/node_modules/}" \
  -C "$stage" "${links[@]}" |
  "$engine" import \
    --change "ENV PATH=$path_env" \
    --change "ENV LANG=C.UTF-8" \
    --change "ENV HOME=/home/agent" \
    --change "USER agent" \
    --change "WORKDIR /home/agent" \
    --change "LABEL agentab.image=runners agentab.manifest=$hash" \
    --change 'CMD ["/bin/bash"]' \
    - "$ref" >/dev/null
# a forced rebuild leaves the old image untagged: drop it unless a container still uses it
if [ -n "$previous" ] && [ "$previous" != "$(image_id "$ref")" ]; then "$engine" rmi "$previous" >/dev/null 2>&1 || true; fi
say "built $ref"
echo "$ref"
