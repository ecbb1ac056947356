#!/usr/bin/env bash
# kubernetes: keeps the number of echo-server Deployments in the dashboard's values.
set -euo pipefail
if [[ "${1:-}" == "--config" ]]; then
  cat <<'CONFIG'
configVersion: v1
kubernetes:
  - name: echo
    apiVersion: apps/v1
    kind: Deployment
    labelSelector:
      matchLabels:
        app: echo-server
    jqFilter: '.metadata.name'
CONFIG
  exit 0
fi
count=$(jq '[.[] | (.objects // []), (if .object then [.object] else [] end) | length] | add // 0' "$BINDING_CONTEXT_PATH")
echo "{\"op\":\"add\",\"path\":\"/dashboard/echoDeployments\",\"value\":${count}}" >> "$VALUES_JSON_PATCH_PATH"
