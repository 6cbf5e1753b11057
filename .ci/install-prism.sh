#!/usr/bin/env bash
# Install Prism (the OpenAPI mock server used by tests/channels/test_twilio_contract.py)
# into .ci/tools. Idempotent: does nothing when the pinned major version is already there.
set -euo pipefail

ci_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tools_dir="${ci_dir}/tools"
prism_bin="${tools_dir}/node_modules/.bin/prism"

if [[ -x "${prism_bin}" ]] && "${prism_bin}" --version 2>/dev/null | grep -q '^5\.'; then
    echo "prism $("${prism_bin}" --version) already installed in ${tools_dir}"
    exit 0
fi

mkdir -p "${tools_dir}"
npm install --prefix "${tools_dir}" --no-audit --no-fund @stoplight/prism-cli@5
echo "prism $("${prism_bin}" --version) installed in ${tools_dir}"
