#!/usr/bin/env bash
# Installs what the tests drive, where it is missing (idempotent; scripts/test.sh calls it):
#   moto_server  moto's S3 server (Python package moto[server]), the S3 of every S3 test
#   npm ci       the pinned CDK CLI, cdk-nag and aws-cdk-lib (package.json), for synth and policy checks
#   cfn-lint     CloudFormation's linter (Python), over every synthesized template
set -euo pipefail
cd "$(dirname "$0")/.."

command -v node >/dev/null || { echo "Node.js is required (the CDK CLI and cdk-nag run on it)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "Python 3 is required (moto's S3 server and cfn-lint run on it)" >&2; exit 1; }

missing=()
command -v moto_server >/dev/null || missing+=("moto[server]")
command -v cfn-lint >/dev/null || missing+=("cfn-lint")
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]} with pip" >&2
  python3 -m pip install --quiet --disable-pip-version-check "${missing[@]}" \
    || { echo "could not install ${missing[*]}: run 'python3 -m pip install ${missing[*]}' where PyPI is reachable" >&2; exit 1; }
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
