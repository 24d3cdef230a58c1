#!/usr/bin/env bash
# Installs, from Debian's packages, whatever cansim needs to build, test and plot and is not yet
# on this machine. Safe to run again: it installs nothing when everything is present.
set -euo pipefail

packages=(
  g++ cmake make git
  libboost-graph-dev   # topologies; brings the Boost headers (flat_set of Boost.Container)
  libeigen3-dev        # statistics, linear algebra
  nlohmann-json3-dev   # scenarios and results
  catch2               # tests
  libfmt-dev           # formatting
  libcli11-dev         # command line
  libyaml-cpp-dev      # TOSCA application descriptions
  python3 python3-matplotlib  # scripts/plot
)
# `install-deps.sh fuzz`: also clang and its libFuzzer runtime (make fuzz; CI).
if [ "${1:-}" = fuzz ]; then
  packages+=(clang libclang-rt-14-dev)
fi
# `install-deps.sh cluster`: also Slurm and munge, for the one-node cluster test (.ci/run).
if [ "${1:-}" = cluster ]; then
  packages+=(slurm-wlm munge)
fi
# `install-deps.sh bench`: also SimGrid and pkg-config, to run PHOLD in both (make bench).
if [ "${1:-}" = bench ]; then
  packages+=(libsimgrid-dev pkg-config)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
