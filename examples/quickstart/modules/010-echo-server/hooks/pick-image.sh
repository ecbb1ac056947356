#!/usr/bin/env bash
# beforeHelm: choose the image tag from the cluster name in global values.
set -euo pipefail
if [[ "${1:-}" == "--config" ]]; then
  echo '{"configVersion":"v1","beforeHelm":10}'
  exit 0
fi
cluster=$(jq -r '.global.clusterName // "unknown"' "$VALUES_PATH")
echo "{\"op\":\"add\",\"path\":\"/echoServer/image\",\"value\":\"ealen/echo-server:0.9.2-${cluster}\"}" >> "$VALUES_JSON_PATCH_PATH"
