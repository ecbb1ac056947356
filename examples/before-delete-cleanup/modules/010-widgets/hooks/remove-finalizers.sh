#!/usr/bin/env bash
# beforeDeleteHelm: before the chart is uninstalled, drop the finalizers of every Widget, so the
# uninstall really deletes them instead of leaving them Terminating with nobody to finalize them.
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
