"""Regenerate the data bundled in ``grammar_rag/data`` from WALS / Grambank / Glottolog CLDF.

Usage::

    python wals_grambank/build_catalogue.py --data-dir ../shared/data [--out grammar_rag/data]

``--data-dir`` is any directory holding the three CLDF datasets (or pass them one by one with
``--wals``, ``--grambank``, ``--glottolog``). Writes, atomically:

* ``catalogue.json.gz``  -- every WALS and Grambank feature: id, name, question, values, guideline
* ``languages.csv.gz``   -- Glottolog languages and dialects: Glottocode, ISO, name, family, macroarea
* ``wals_values.csv.gz`` -- WALS values per WALS language (for display/comparison only)

The output is deterministic (gzip mtime 0, sorted rows), so rebuilding from the same sources
gives byte-identical files.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # runnable from a checkout without installing
    sys.path.insert(0, str(REPO))

from grammar_rag.features.catalogue import assemble  # noqa: E402
from grammar_rag.features.cldf import find_datasets, fingerprint  # noqa: E402
from grammar_rag.features.languages import load_glottolog  # noqa: E402
from grammar_rag.features.loaders import load_grambank_features, load_wals_features  # noqa: E402
from grammar_rag.features.values import load_wals_values  # noqa: E402

log = logging.getLogger("build_catalogue")

SOURCES = {
    "WALS": "Dryer & Haspelmath (eds.) 2013. WALS Online (v2020.4). doi:10.5281/zenodo.13950591. CC-BY-4.0",
    "Grambank": "Skirgård et al. 2023. Grambank v1.0. doi:10.5281/zenodo.7740140. CC-BY-4.0",
    "Glottolog": "Hammarström, Forkel, Haspelmath & Bank. Glottolog 5.1. doi:10.5281/zenodo.14006617. CC-BY-4.0",
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, help="directory holding the wals/grambank/glottolog CLDF datasets")
    parser.add_argument("--wals", type=Path, help="WALS CLDF dataset (overrides --data-dir)")
    parser.add_argument("--grambank", type=Path, help="Grambank CLDF dataset (overrides --data-dir)")
    parser.add_argument("--glottolog", type=Path, help="Glottolog CLDF dataset (overrides --data-dir)")
    parser.add_argument("--out", type=Path, default=REPO / "grammar_rag" / "data", help="output directory")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    found = find_datasets(args.data_dir) if args.data_dir else {}
    for name in ("wals", "grambank", "glottolog"):
        if getattr(args, name):
            found[name] = getattr(args, name)
    missing = [n for n in ("wals", "grambank", "glottolog") if n not in found]
    if missing:
        parser.error(f"no {', '.join(missing)} CLDF dataset found; pass --data-dir or --{missing[0]}")
    args.out.mkdir(parents=True, exist_ok=True)

    wals = load_wals_features(found["wals"])
    grambank = load_grambank_features(found["grambank"])
    fingerprints = {kind: fingerprint(found[kind], kind) for kind in ("wals", "grambank")}
    catalogue = assemble(wals, grambank, SOURCES, fingerprints)
    path = catalogue.save(args.out / "catalogue.json.gz")
    log.info("%s: %d WALS + %d Grambank features (%d bytes)", path, len(wals), len(grambank), path.stat().st_size)

    languages = load_glottolog(found["glottolog"])
    path = languages.save(args.out / "languages.csv.gz")
    log.info("%s: %d languoids (%d bytes)", path, len(languages), path.stat().st_size)

    values = load_wals_values(found["wals"])
    path = values.save(args.out / "wals_values.csv.gz")
    n_values = sum(len(lg.values) for lg in values.languages)
    log.info("%s: %d WALS languages, %d values (%d bytes)", path, len(values), n_values, path.stat().st_size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
