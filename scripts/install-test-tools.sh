#!/usr/bin/env bash
# Installs what the tests drive, where it is missing (idempotent; scripts/test.sh calls it):
#   moto_server  moto's S3 server (Python package moto[server]), the S3 of every S3 test
#   npm ci       the pinned CDK CLI, cdk-nag and aws-cdk-lib (package.json), for synth and policy checks
#   cfn-lint     CloudFormation's linter (Python), over every synthesized template
#   strace       how PowerCutTests read the order of a sync's fsyncs and renames (Debian's strace): required
#   nginx, wrk   Debian's nginx-light and wrk, for the benchmark's serving rows only: where apt-get cannot install them
#                this says so and goes on (the benchmark then prints those rows as "missing")
set -euo pipefail
cd "$(dirname "$0")/.."

command -v node >/dev/null || { echo "Node.js is required (the CDK CLI and cdk-nag run on it)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "Python 3 is required (moto's S3 server and cfn-lint run on it)" >&2; exit 1; }

# Where the system Python refuses packages (PEP 668, "externally-managed-environment", as on Debian and Ubuntu),
# they go to a virtual environment of the project's own; scripts/test.sh puts its bin/ on PATH.
venv=.tools/python
[ -x "$venv/bin/python" ] && export PATH="$PWD/$venv/bin:$PATH"
missing=()
command -v moto_server >/dev/null || missing+=("moto[server]==5.2.1")
command -v cfn-lint >/dev/null || missing+=("cfn-lint==1.51.0")
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} with pip" >&2
  if ! python3 -m pip install --quiet --disable-pip-version-check "${missing[@]}"; then
    echo "the system Python refused them; installing into $venv instead" >&2
    { python3 -m venv "$venv" && "$venv/bin/python" -m pip install --quiet --disable-pip-version-check "${missing[@]}"; } \
      || { echo "could not install ${missing[*]}: run 'python3 -m pip install ${missing[*]}' where PyPI is reachable" >&2; exit 1; }
  fi
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo -n"
if ! command -v strace >/dev/null; then
  echo "installing strace with apt-get (PowerCutTests)" >&2
  { command -v apt-get >/dev/null && $sudo apt-get update -qq >/dev/null \
      && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends strace >/dev/null; } \
    || { echo "could not install strace: install it (apt-get install strace) to run PowerCutTests" >&2; exit 1; }
fi

apt_missing=()
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || apt_missing+=(nginx-light)
command -v wrk >/dev/null || apt_missing+=(wrk)
if [ ${#apt_missing[@]} -gt 0 ]; then
  echo "installing ${apt_missing[*]} with apt-get (the benchmark's serving rows)" >&2
  if ! { command -v apt-get >/dev/null \
      && $sudo apt-get update -qq >/dev/null \
      && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${apt_missing[@]}" >/dev/null; }; then
    echo "could not install ${apt_missing[*]}: the benchmark's serving rows will say 'missing' (the tests do not need them)" >&2
  fi
fi
