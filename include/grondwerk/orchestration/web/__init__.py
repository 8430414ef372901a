"""Grondwerk's web pages, served by the Airflow api-server through the plugin in ``plugins/``."""
