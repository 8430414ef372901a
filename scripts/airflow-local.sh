#!/usr/bin/env bash
# Start Airflow on loopback for people who want the UI: api-server, scheduler,
# dag-processor and triggerer, each as its own process (no log server on 0.0.0.0).
# Stop with Ctrl-C; every process started here is stopped by PID.
set -euo pipefail
: "${AIRFLOW_HOME:?source env.sh first}"
BIN="$(dirname "$0")/../.venv/bin"
LOGS="$GRONDWERK_HOME/var/logs"
mkdir -p "$LOGS"
"$BIN/python" -c 'from grondwerk.orchestration.runner import airflow_env, ensure_passwords; ensure_passwords(airflow_env())'
"$BIN/airflow" db migrate >/dev/null

pids=()
stop() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait || true
}
trap stop EXIT INT TERM

"$BIN/airflow" api-server --host 127.0.0.1 --port "$AIRFLOW__API__PORT" >>"$LOGS/api-server.log" 2>&1 & pids+=($!)
"$BIN/airflow" scheduler --skip-serve-logs >>"$LOGS/scheduler.log" 2>&1 & pids+=($!)
"$BIN/airflow" dag-processor >>"$LOGS/dag-processor.log" 2>&1 & pids+=($!)
"$BIN/airflow" triggerer --skip-serve-logs >>"$LOGS/triggerer.log" 2>&1 & pids+=($!)

echo "Airflow start op $AIRFLOW__API__BASE_URL (logs in $LOGS)."
echo "Gebruikers en wachtwoorden: $AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"
echo "Grondwerk-pagina's: $AIRFLOW__API__BASE_URL/grondwerk/ — stoppen met Ctrl-C."
wait -n "${pids[@]}"
