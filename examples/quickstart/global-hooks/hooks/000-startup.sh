#!/usr/bin/env bash
# onStartup: a global hook that only logs (as a JSON log line, parsed into structured logs).
set -euo pipefail
if [[ "${1:-}" == "--config" ]]; then
  echo '{"configVersion":"v1","onStartup":1}'
  exit 0
fi
echo '{"level":"info","msg":"quickstart global startup hook ran"}'
