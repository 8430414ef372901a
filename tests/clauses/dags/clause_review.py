"""The review loop of ``tender_halte`` (render → review → render again → approve) on its own, for the REST round trip test.

It uses the task adapters, the review operator, HITL options and params of
the real DAG. It starts from a dossier that already contains the
classification output, so no BRO, inspection or classification stage runs.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import Param, dag, task

from grondwerk.orchestration.operators import ReviewBranchOperator

REVIEW_OPTIONS = ["Goedkeuren", "Wijzigingen vragen", "Afwijzen"]
ROUNDS = 2


@dag(dag_id="clause_review", schedule=None, start_date=pendulum.datetime(2026, 1, 1, tz="UTC"), catchup=False, params={"info": Param({}, type="object")})
def clause_review():
    @task(task_id="load_info")
    def load_info(**context):
        return dict(context["params"]["info"])

    info = load_info()
    previous = None
    for round_no in range(1, ROUNDS + 1):
        last = round_no == ROUNDS

        @task(task_id=f"render_clauses_{round_no}")
        def render_clauses(info, round_no=round_no, **context):
            from grondwerk.orchestration.tasks import render_clauses_task

            answer = context["ti"].xcom_pull(task_ids=f"review_clauses_{round_no - 1}", key="answer") if round_no > 1 else None
            return render_clauses_task(info, round_no, answer)

        rendered = render_clauses(info)
        if previous is not None:
            previous >> rendered
        mapping = {"Goedkeuren": f"clauses_approved_{round_no}", "Afwijzen": f"clauses_rejected_{round_no}"}
        if not last:
            mapping["Wijzigingen vragen"] = f"render_clauses_{round_no + 1}"
        review = ReviewBranchOperator(
            task_id=f"review_clauses_{round_no}",
            subject=f"Bestekteksten beoordelen (ronde {round_no})",
            options=["Goedkeuren", "Afwijzen"] if last else REVIEW_OPTIONS,
            options_mapping=mapping,
            params={
                "comment": Param("", type="string"),
                "variants": Param("{}", type="string"),
                "variables": Param("{}", type="string"),
            },
            retries=0,
        )
        rendered >> review

        @task(task_id=f"clauses_approved_{round_no}")
        def clauses_approved(info, round_no=round_no, **context):
            from grondwerk.orchestration.tasks import record_review_task

            answer = context["ti"].xcom_pull(task_ids=f"review_clauses_{round_no}", key="answer")
            return record_review_task(info, round_no, "approve", answer)

        @task(task_id=f"clauses_rejected_{round_no}")
        def clauses_rejected(info, round_no=round_no, **context):
            from grondwerk.orchestration.tasks import record_review_task

            answer = context["ti"].xcom_pull(task_ids=f"review_clauses_{round_no}", key="answer")
            return record_review_task(info, round_no, "reject", answer)

        review >> [clauses_approved(info), clauses_rejected(info)]
        previous = review


clause_review()
