"""Write the Cyrillic-script test file of the Sanzhi hash split (for ``bench translate --test``).

Rows of the Dictionaria ``examples.csv`` with ``sha1(ID) mod 10 == 0`` (``== 1`` with ``--dev``),
their ``original_script`` (Cyrillic) text and English translation, as a three-column TSV:

    python scripts/sanzhi_cyrillic_test.py ../shared/data/languages/sanzhi/dictionaria/examples.csv cyr.tsv
    grammar-rag bench translate --language dar --test cyr.tsv
"""

from __future__ import annotations

import argparse
import csv
import hashlib


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("examples_csv")
    parser.add_argument("out_tsv")
    parser.add_argument("--dev", action="store_true", help="the dev split (mod 10 == 1) instead of the test split")
    args = parser.parse_args()
    bucket = 1 if args.dev else 0
    with open(args.examples_csv, encoding="utf-8") as fh, open(args.out_tsv, "w", encoding="utf-8") as out:
        out.write("id\tsanzhi\tenglish\n")
        for row in csv.DictReader(fh):
            if int(hashlib.sha1(row["ID"].encode("utf-8")).hexdigest(), 16) % 10 != bucket:
                continue
            text, english = row.get("original_script", "").strip(), row.get("Translated_Text", "").strip()
            if text and english:
                out.write("\t".join(v.replace("\t", " ") for v in (row["ID"], text, english)) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
