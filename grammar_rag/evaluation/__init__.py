"""Evaluation as library code: the paper benchmarks' readers, metrics, scoring and reports.

Why a package: the benchmark scripts in ``benchmarks/`` grew their own copies of shared parts and
imported one another's internals. Everything they share lives here once, and the scripts are thin
runners that only read arguments, run these and write reports. Nothing here imports ``benchmarks``
(it sits above the library); ``grammar-rag bench`` reaches the runners through
:mod:`grammar_rag.evaluation.runner` (entry points, with a documented fallback table).

* :mod:`.gold` — gold labels of the RAG benchmark and the paper's normalisation rules;
* :mod:`.paragraphs` — the RAG benchmark's paragraph files in BM25 order;
* :mod:`.retrieval_data` — the rerankers benchmark, paragraph pages and gold pages;
* :mod:`.metrics` — NDCG / recall / page sets, F1 and confusion, bootstrap intervals;
* :mod:`.rerank_cache` — the one on-disk cache of reranked orders;
* :mod:`.rag` — planning and predicting the RAG benchmark (with its prediction cache);
* :mod:`.scoring` — scoring, the paper's figures, intervals and constant-answer baselines;
* :mod:`.report` — the RAG benchmark's Markdown report;
* :mod:`.io` — tolerant CSV reading and atomic report writing;
* :mod:`.extract_runs` — driving ``grammar-rag extract`` as a subprocess and reading its store;
* :mod:`.runner` — runner discovery and the command-line plumbing the runners share.

Submodules are imported by name (``from grammar_rag.evaluation.gold import load_gold``): the
package itself imports nothing, so ``grammar-rag --help`` does not load scikit-learn or the rerankers.
"""
