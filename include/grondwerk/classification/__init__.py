"""Soil quality classification per the Regeling bodemkwaliteit (Rbk 2007 values, to be checked against Rbk 2022).

``engine.classify`` classifies samples and partijen from the analyses table;
``stage.run_classification_stage`` is stage 05 of the halte; the norm values
live in ``data/``. Pandas is imported only when a function runs, so DAG files
may import this package.
"""
