"""Tender clauses that keep released soil public, and their review by the soil team.

The clause library lives in ``tender_templates/`` (``catalogue.yaml`` plus one
Jinja2 template per clause variant). ``grondwerk.clauses.facts`` turns the
tender, the classification and the match into facts. ``catalogue`` selects
clauses and variants from those facts, ``render`` renders them in a sandbox to
HTML and DOCX, and ``stage`` writes the review rounds into the dossier.
"""
