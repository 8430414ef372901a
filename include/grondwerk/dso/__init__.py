"""DSO meldingen for applying soil: rules, builder, client, outbox and a local stand-in.

``builder`` turns the accepted match proposal into one melding *toepassen van
grond of baggerspecie* per partij and destination, with its deadline and
exemptions from ``data/melding_rules.json``. ``outbox`` submits them through
``client`` and looks each one up at the DSO before sending it again, so none
is sent twice or lost. ``standin`` is a local DSO server for tests and the
demo, and the outbox tests check that guarantee against it under injected
faults. Nothing here imports Airflow.
"""
