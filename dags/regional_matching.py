"""
### Regionale matching (regional_matching)

Runs when a tender publishes supply or demand to the regional store (Asset
``grondwerk://regional-store``): solves the whole region, stores the proposal and
requests acceptance from the soil team (human-in-the-loop). A proposal binds no tender until accepted.

All logic lives in ``grondwerk.orchestration.matching_tasks``; this file only wires
tasks and imports nothing heavy at parse time.
"""

from __future__ import annotations

import pendulum
from airflow.providers.standard.operators.hitl import HITLOperator
from airflow.sdk import Asset, Param, dag, task

REGIONAL_STORE = Asset("grondwerk://regional-store")
MATCH_OPTIONS = ["Accepteren", "Afwijzen"]


@dag(
    dag_id="regional_matching",
    schedule=[REGIONAL_STORE],
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    tags=["grondwerk", "matching"],
    doc_md=__doc__,
)
def regional_matching():
    @task(task_id="match_region")
    def match_region(**context):
        from grondwerk.orchestration.matching_tasks import match_region_task

        return match_region_task(context["run_id"])

    proposal = match_region()

    accept = HITLOperator(
        task_id="accept_regional_proposal",
        subject="Regionaal matchvoorstel beoordelen",
        body=(
            "Er is een nieuw regionaal matchvoorstel: {{ ti.xcom_pull(task_ids='match_region')['proposal_id'] }}.\n\n"
            "{{ ti.xcom_pull(task_ids='match_region')['summary_nl'] }}\n\n"
            "Bekijk de kaart op /grondwerk/map en accepteer of wijs af. Een voorstel bindt pas na acceptatie."
        ),
        options=MATCH_OPTIONS,
        params={"comment": Param("", type="string", title="Toelichting")},
    )

    @task(task_id="record_acceptance")
    def record_acceptance(summary, **context):
        from grondwerk.orchestration.matching_tasks import record_region_acceptance_task

        answer = context["ti"].xcom_pull(task_ids="accept_regional_proposal") or {}
        return record_region_acceptance_task(summary["proposal_id"], answer)

    proposal >> accept >> record_acceptance(proposal)


regional_matching()
