"""Benchmark twin of ``tender_halte``: the same tasks, edges, trigger rules and review steps, doing nothing.

Built by copying the real DAG's structure at parse time, so it keeps the same
shape when ``tender_halte`` changes. Only ``bench/dag_overhead.py`` loads it.
"""

from __future__ import annotations

import os

from airflow.dag_processing.dagbag import DagBag
from airflow.providers.standard.operators.hitl import HITLBranchOperator, HITLOperator
from airflow.providers.standard.operators.python import PythonOperator
from airflow.sdk import DAG


def _nothing() -> None:
    return None


_real = DagBag(dag_folder=os.path.join(os.environ["GRONDWERK_HOME"], "dags", "tender_halte.py")).dags["tender_halte"]

with DAG(dag_id="tender_halte_noop", schedule=None, start_date=_real.start_date, catchup=False, params=_real.params, tags=["bench"]) as noop:
    clones = {}
    for original in _real.tasks:
        common = {"task_id": original.task_id, "trigger_rule": original.trigger_rule, "retries": 0}
        if isinstance(original, HITLOperator):
            review_params = {name: original.params.get_param(name) for name in original.params if name not in _real.params}
            kwargs = {"subject": original.task_id, "options": original.options, "params": review_params, "assigned_users": original.assigned_users}
            if isinstance(original, HITLBranchOperator):
                clones[original.task_id] = HITLBranchOperator(options_mapping=original.options_mapping, **kwargs, **common)
            else:
                clones[original.task_id] = HITLOperator(**kwargs, **common)
        else:
            clones[original.task_id] = PythonOperator(python_callable=_nothing, **common)
    for original in _real.tasks:
        for downstream in original.downstream_task_ids:
            clones[original.task_id] >> clones[downstream]
