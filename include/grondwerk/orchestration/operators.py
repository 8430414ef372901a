"""Operators used by the DAG files; light to import (Airflow only), because DAG files import them at parse time."""

from __future__ import annotations

from typing import Any

from airflow.providers.standard.operators.hitl import HITLBranchOperator, HITLOperator


class ReviewBranchOperator(HITLBranchOperator):
    """A review step that branches on the answer and also keeps the answer itself.

    ``HITLBranchOperator`` returns only the chosen branch, so downstream tasks
    could not read the reviewer's comment, variants and variables. This
    operator pushes the full answer to XCom under the key ``answer``.
    """

    def execute_complete(self, context: Any, event: dict[str, Any]) -> Any:
        answer = HITLOperator.execute_complete(self, context=context, event=event)
        context["ti"].xcom_push(
            key="answer",
            value={
                "chosen_options": list(answer["chosen_options"]),
                "params_input": dict(answer["params_input"] or {}),
                "responded_at": answer["responded_at"].isoformat() if answer.get("responded_at") else None,
                "responded_by_user": answer.get("responded_by_user"),
            },
        )
        return super().execute_complete(context=context, event=event)
