"""Write a language pack as a CLDF dataset (Dictionary module: entries, senses, ExampleTable).

So a pack built from a user's TSV files can be reused by other CLDF tools; the dataset is validated
with pycldf before it is moved into place (temp directory + ``os.replace``).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from pycldf import Dictionary

from grammar_rag.errors import GrammarRagError
from grammar_rag.translate.packs import LanguagePack, load_content


def export_pack(pack: LanguagePack, out: str | Path, data_dir: str | Path | None = None) -> Path:
    """Write ``pack`` to ``out`` as a validated CLDF Dictionary; returns the metadata file."""
    content = load_content(pack, data_dir)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        ds = Dictionary.in_dir(tmp)
        ds.add_component("ExampleTable")
        ds.add_component("LanguageTable")
        lang = pack.code
        entries, senses, examples = [], [], []
        seen: set[str] = set()
        for e in content.entries:
            eid = e.id if e.id not in seen else f"{e.id}-{len(seen)}"
            seen.add(eid)
            entries.append({"ID": eid, "Language_ID": lang, "Headword": e.headword, "Part_Of_Speech": e.pos})
            for i, sense in enumerate(e.senses or ("",)):
                senses.append({"ID": f"{eid}-s{i + 1}", "Description": sense or "?", "Entry_ID": eid})
        ex_ids: set[str] = set()
        for x in content.examples:
            xid = x.id if x.id not in ex_ids else f"{x.id}-{len(ex_ids)}"
            ex_ids.add(xid)
            examples.append({
                "ID": xid, "Language_ID": lang, "Primary_Text": x.text, "Translated_Text": x.translation,
                "Analyzed_Word": x.segmented.split() if x.segmented else [], "Gloss": x.gloss.split() if x.gloss else [],
            })
        ds.write(
            EntryTable=entries, SenseTable=senses, ExampleTable=examples,
            LanguageTable=[{"ID": lang, "Name": pack.name, "Glottocode": pack.glottocode or None}],
        )
        if not ds.validate():
            raise GrammarRagError(f"The CLDF export of pack '{pack.code}' does not validate.")
        if out.exists():
            shutil.rmtree(out)
        os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out / "Dictionary-metadata.json"
