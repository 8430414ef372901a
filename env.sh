# Project-local Airflow settings; sourced by the Makefile and scripts.
# Every server listens on 127.0.0.1 only.
GRONDWERK_HOME="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export GRONDWERK_HOME
export AIRFLOW_HOME="${AIRFLOW_HOME:-$GRONDWERK_HOME/airflow_home}"
export AIRFLOW__CORE__DAGS_FOLDER="$GRONDWERK_HOME/dags"
export AIRFLOW__CORE__PLUGINS_FOLDER="$GRONDWERK_HOME/plugins"
export AIRFLOW__CORE__LOAD_EXAMPLES=False
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=False
export AIRFLOW__CORE__PARALLELISM="${AIRFLOW__CORE__PARALLELISM:-4}"
export AIRFLOW__API__HOST=127.0.0.1
export AIRFLOW__API__PORT="${AIRFLOW__API__PORT:-8080}"
export AIRFLOW__API__BASE_URL="${AIRFLOW__API__BASE_URL:-http://127.0.0.1:${AIRFLOW__API__PORT}}"
export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="${AIRFLOW__CORE__EXECUTION_API_SERVER_URL:-http://127.0.0.1:${AIRFLOW__API__PORT}/execution/}"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS:-admin:admin,demo-inkoper:user,demo-bodemteam:user,demo-datasteward:viewer,demo-toezicht:viewer}"
export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE="${AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE:-$AIRFLOW_HOME/passwords.json}"
export GRONDWERK_ROLES="${GRONDWERK_ROLES:-demo-inkoper:inkoper,demo-bodemteam:bodemteam,demo-datasteward:datasteward,demo-toezicht:toezicht}"
export GRONDWERK_BODEMTEAM_USERS="${GRONDWERK_BODEMTEAM_USERS:-demo-bodemteam}"
export GX_ANALYTICS_ENABLED=false
export NO_PROXY="127.0.0.1,localhost"
