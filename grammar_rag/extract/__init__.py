"""Batch feature extraction: many grammars x many features -> a durable store -> CLDF.

* :mod:`~grammar_rag.extract.store` — SQLite (WAL) store, one row per (grammar, feature, run
  configuration), committed as each pair finishes;
* :mod:`~grammar_rag.extract.runner` — computes the missing pairs (progress bar, batching,
  bounded concurrency), so reruns resume after any interruption;
* :mod:`~grammar_rag.extract.predictors` — the default predictor: the project pipeline;
* :mod:`~grammar_rag.extract.cldf_export` — one run configuration as a validated CLDF
  StructureDataset + flat CSV;
* :mod:`~grammar_rag.extract.compare` — agreement with WALS and disagreements with evidence.
"""

from grammar_rag.extract.runner import RunSummary, run_extraction
from grammar_rag.extract.store import ResultStore, RunConfig, select_config

__all__ = ["ResultStore", "RunConfig", "RunSummary", "run_extraction", "select_config"]
