"""Grondwerk: the soil halte for public civil tenders.

Every module except ``grondwerk.orchestration`` runs without Airflow, so each
stage can be used and tested as plain Python.
"""

__version__ = "0.1.0"
