"""
### Grondhalte per aanbesteding (tender_halte)

One run per tender: the soil halte from the procurement officer's trigger form
to a closed dossier. The stages, in order:

1. validate the tender, pull BRO data, read the inspection data;
2. data-quality checks, classify partijen, render clauses;
3. soil-team review (up to three rounds);
4. publish supply and demand and match, accepted by the soil team;
5. submit DSO meldingen and close the dossier.

All logic lives in ``grondwerk``; this file only wires tasks. Nothing here does
I/O or imports pandas, lxml or Great Expectations at parse time.
"""

from __future__ import annotations

import os

import pendulum
from airflow.providers.standard.operators.hitl import HITLOperator
from airflow.sdk import Asset, Param, dag, task

from grondwerk.orchestration.operators import ReviewBranchOperator

DAG_ID = "tender_halte"
MAX_REVIEW_ROUNDS = 3
REVIEW_OPTIONS = ["Goedkeuren", "Wijzigingen vragen", "Afwijzen"]
MATCH_OPTIONS = ["Accepteren", "Afwijzen"]
LAND_CLASSES = ["achtergrondwaarde", "wonen", "industrie"]
SOIL_TYPES = ["zand", "klei", "leem", "veen", "grind", "gemengd", "overig"]


def _soil_team() -> list[dict[str, str]] | None:
    """Users who may answer the review steps (GRONDWERK_BODEMTEAM_USERS, comma-separated); None = any user with the role."""
    names = [name.strip() for name in os.environ.get("GRONDWERK_BODEMTEAM_USERS", "").split(",") if name.strip()]
    return [{"id": name, "name": name} for name in names] or None


TRIGGER_PARAMS = {
    "tender_reference": Param(
        type="string", minLength=2, maxLength=64, pattern="^[A-Za-z0-9][A-Za-z0-9._-]+$",
        title="Kenmerk aanbesteding", description="Uniek kenmerk van de aanbesteding, bijvoorbeeld KRW-2027-014.",
    ),
    "contracting_authority": Param(
        type="string", minLength=2, title="Aanbestedende dienst", description="Provincie, gemeente of waterschap die de grond blijft bezitten.",
    ),
    "project_name": Param(type="string", minLength=2, title="Projectnaam", description="Naam van het werk, zoals in het bestek."),
    "project_area": Param(
        type="object", title="Projectgebied (GeoJSON)",
        description="Polygoon van het projectgebied als GeoJSON, in RD New (EPSG:28992, meters) of WGS84 (lengte, breedte).",
    ),
    "works_start": Param(type="string", format="date", title="Start werkzaamheden", description="Eerste dag van het grondwerk (JJJJ-MM-DD)."),
    "works_end": Param(type="string", format="date", title="Einde werkzaamheden", description="Laatste dag van het grondwerk (JJJJ-MM-DD)."),
    "released_volume_m3": Param(type="number", minimum=0, title="Vrijkomende grond (m³)", description="Verwachte hoeveelheid grond die vrijkomt, in m³."),
    "needed_volume_m3": Param(type="number", minimum=0, title="Benodigde grond (m³)", description="Hoeveelheid grond die het werk zelf nodig heeft, in m³."),
    "accepted_classes": Param(
        ["achtergrondwaarde", "wonen"], type="array", items={"type": "string", "enum": LAND_CLASSES}, examples=LAND_CLASSES,
        title="Toegestane kwaliteitsklassen", description="Bodemkwaliteitsklassen die het werk mag toepassen (volgens de bodemfunctieklasse).",
    ),
    "needed_soil_types": Param(
        ["zand"], type="array", items={"type": "string", "enum": SOIL_TYPES}, examples=SOIL_TYPES,
        title="Benodigde grondsoort", description="Grondsoort(en) die het werk nodig heeft.",
    ),
    "inspection_files": Param(
        [], type="array", items={"type": "string"},
        title="Inspectiebestanden", description="Paden op de server naar de keuringsgegevens (SIKB0101-XML, BRO SAD, labexport CSV/XLSX).",
    ),
    "notifier": Param(None, type=["null", "string"], title="Melder", description="Naam van wie de meldingen indient; leeg = de aanbestedende dienst."),
    "partijen": Param(
        None, type=["null", "array"], title="Partijen (optioneel)",
        description="Indeling in partijen: lijst van {id, samples, volume_m3}. Leeg = elk geanalyseerd monster is een partij.",
    ),
}


@dag(
    dag_id=DAG_ID,
    schedule=None,
    start_date=pendulum.datetime(2026, 1, 1, tz="Europe/Amsterdam"),
    catchup=False,
    tags=["grondwerk", "aanbesteding"],
    params=TRIGGER_PARAMS,
    doc_md=__doc__,
    default_args={"retries": 2, "retry_delay": pendulum.duration(seconds=10)},
    max_active_tasks=4,
)
def tender_halte():
    @task(task_id="validate_tender")
    def validate_tender(**context):
        from grondwerk.orchestration.tasks import validate_tender_task

        started_by = getattr(context["dag_run"], "triggering_user_name", None)
        return validate_tender_task(dict(context["params"]), context["run_id"], started_by)

    @task(task_id="pull_bro")
    def pull_bro(info):
        from grondwerk.orchestration.tasks import pull_bro_task

        pull_bro_task(info)
        return info

    @task(task_id="read_inspection")
    def read_inspection(info):
        from grondwerk.orchestration.tasks import read_inspection_task

        read_inspection_task(info)
        return info

    @task(task_id="check_quality")
    def check_quality(info):
        from grondwerk.orchestration.tasks import check_quality_task

        check_quality_task(info)
        return info

    @task(task_id="classify_partijen")
    def classify_partijen(info):
        from grondwerk.orchestration.tasks import classify_task

        classify_task(info)
        return info

    info = classify_partijen(check_quality(read_inspection(pull_bro(validate_tender()))))

    approved_tasks = []
    previous_review = None
    for round_no in range(1, MAX_REVIEW_ROUNDS + 1):
        last_round = round_no == MAX_REVIEW_ROUNDS

        @task(task_id=f"render_clauses_{round_no}")
        def render_clauses(info, round_no=round_no, **context):
            from grondwerk.orchestration.tasks import render_clauses_task

            answer = context["ti"].xcom_pull(task_ids=f"review_clauses_{round_no - 1}", key="answer") if round_no > 1 else None
            return render_clauses_task(info, round_no, answer)

        rendered = render_clauses(info)
        if previous_review is not None:
            previous_review >> rendered

        options = ["Goedkeuren", "Afwijzen"] if last_round else REVIEW_OPTIONS
        mapping = {"Goedkeuren": f"clauses_approved_{round_no}", "Afwijzen": f"clauses_rejected_{round_no}"}
        if not last_round:
            mapping["Wijzigingen vragen"] = f"render_clauses_{round_no + 1}"
        review = ReviewBranchOperator(
            task_id=f"review_clauses_{round_no}",
            subject=f"Bestekteksten {{{{ params.tender_reference }}}} beoordelen (ronde {round_no})",
            body=(
                "Beoordeel de bestekteksten voor **{{ params.project_name }}** ({{ params.contracting_authority }}), ronde "
                + str(round_no)
                + ".\n\n{{ ti.xcom_pull(task_ids='render_clauses_" + str(round_no) + "')['conclusion_nl'] }}\n\n"
                "Bekijk de teksten naast de gegevens die ze opriepen op de reviewpagina: "
                "`/grondwerk/review/{{ dag.dag_id }}/{{ run_id }}/review_clauses_" + str(round_no) + "`."
                + ("" if last_round else "\n\nKies *Wijzigingen vragen* met een toelichting om een nieuwe ronde te starten.")
            ),
            options=options,
            options_mapping=mapping,
            params={
                "comment": Param("", type="string", title="Toelichting", description="Verplicht bij wijzigingen of afwijzen."),
                "variants": Param("{}", type="string", title="Varianten (JSON)", description='Bijvoorbeeld {"bestemming": "depot"}.'),
                "variables": Param("{}", type="string", title="Variabelen (JSON)", description='Bijvoorbeeld {"boete_per_dag": 2500}.'),
            },
            assigned_users=_soil_team(),
            # A worker that dies while this task resumes after the response fails it. A retry creates a new
            # request for the soil team instead of failing the whole run.
            retries=2,
        )
        rendered >> review

        @task(task_id=f"clauses_approved_{round_no}")
        def clauses_approved(info, round_no=round_no, **context):
            from grondwerk.orchestration.tasks import record_review_task

            answer = context["ti"].xcom_pull(task_ids=f"review_clauses_{round_no}", key="answer")
            record_review_task(info, round_no, "approve", answer)
            return info

        @task(task_id=f"clauses_rejected_{round_no}")
        def clauses_rejected(info, round_no=round_no, **context):
            from grondwerk.orchestration.tasks import reject_clauses_task

            reject_clauses_task(info, round_no, context["ti"].xcom_pull(task_ids=f"review_clauses_{round_no}", key="answer"))

        approved = clauses_approved(info)
        review >> [approved, clauses_rejected(info)]
        approved_tasks.append(approved)
        previous_review = review

    # The regional_matching DAG runs whenever a tender publishes supply or demand.
    @task(task_id="publish_and_match", trigger_rule="none_failed_min_one_success", outlets=[Asset("grondwerk://regional-store")])
    def publish_and_match(**context):
        from grondwerk.orchestration.tasks import match_task

        approved_ids = [f"clauses_approved_{n}" for n in range(1, MAX_REVIEW_ROUNDS + 1)]
        info = next(value for value in context["ti"].xcom_pull(task_ids=approved_ids) if value)
        match_task(info)
        return info

    matched = publish_and_match()
    for approved in approved_tasks:
        approved >> matched

    accept_match = HITLOperator(
        task_id="accept_match",
        subject="Matchvoorstel {{ params.tender_reference }} accepteren",
        body=(
            "Het regionale matchvoorstel voor **{{ params.project_name }}** is klaar.\n\n"
            "Bekijk de stromen op de kaart: `/grondwerk/map?tender={{ params.tender_reference }}`. "
            "Accepteer het voorstel om de bestemmingen vast te leggen en de meldingen in te dienen."
        ),
        options=MATCH_OPTIONS,
        params={"comment": Param("", type="string", title="Toelichting")},
        assigned_users=_soil_team(),
        retries=2,  # as for the review: a lost worker leads to a new request, not a failed run
    )

    @task(task_id="submit_meldingen")
    def submit_meldingen(info, **context):
        from grondwerk.orchestration.tasks import record_match_acceptance_task, submit_meldingen_task

        answer = context["ti"].xcom_pull(task_ids="accept_match")
        decision = record_match_acceptance_task(info, answer)["decision"]
        today = context["dag_run"].run_after.date()
        submit_meldingen_task(info, decision, today)
        return info

    @task(task_id="close_dossier")
    def close_dossier(info):
        from grondwerk.orchestration.tasks import close_dossier_task

        return close_dossier_task(info)

    submitted = submit_meldingen(matched)
    matched >> accept_match >> submitted
    close_dossier(submitted)


tender_halte()
