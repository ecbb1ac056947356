#!/usr/bin/env bash
# beforeDeleteHelm: before the chart (and its CRD) is uninstalled, drop the finalizers of every
# Widget so that deleting the CRD does not hang on custom resources nobody will finalize.
set -euo pipefail

if [[ "${1:-}" == "--config" ]]; then
  cat <<'CONFIG'
configVersion: v1
beforeDeleteHelm: 10
kubernetes:
  - name: widgets
    apiVersion: example.com/v1
    kind: Widget
    executeHookOnEvent: []
    executeHookOnSynchronization: false
    jqFilter: '{name: .metadata.name, namespace: .metadata.namespace, finalizers: (.metadata.finalizers // [])}'
CONFIG
  exit 0
fi

# One MergePatch per Widget that still has finalizers, written as a JSON stream.
jq -c '.[0].snapshots.widgets[]
       | .filterResult
       | select((.finalizers | length) > 0)
       | {operation: "MergePatch", apiVersion: "example.com/v1", kind: "Widget",
          namespace: .namespace, name: .name,
          mergePatch: {metadata: {finalizers: null}}}' \
  "$BINDING_CONTEXT_PATH" >> "$KUBERNETES_PATCH_PATH"

echo "removed finalizers of $(jq '[.[0].snapshots.widgets[] | select((.filterResult.finalizers | length) > 0)] | length' "$BINDING_CONTEXT_PATH") widget(s)" >&2
