"""Language packs for a language the project has never seen: format detection, learned affixes,
atomic ``language add``, and translation through the CLI and the API with two packs loaded.

The language ("Zubi") is synthetic and generated here: stems + a plural/object suffix ``-ko`` and a
negative suffix ``-ma``, so every expectation follows from the generator, not from a real grammar.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from translate_helpers import write_tiny_kalamang

from app import logic
from grammar_rag.api import create_app
from grammar_rag.cli import main
from grammar_rag.translate import build_resources, translate
from grammar_rag.translate.formats import PackFormatError, read_dictionary, read_sentences
from grammar_rag.translate.morphology import learn_affixes, loose_key, strict_key
from grammar_rag.translate.packs import PackStore

LEXICON = [("tabu", "n", "dog"), ("mesi", "n", "fish"), ("rano", "v", "eat"), ("kelu", "v", "see"),
           ("pori", "n", "house"), ("nasa", "pron", "I"), ("wito", "pron", "they"), ("gala", "n", "bird"),
           ("sumo", "v", "go"), ("dabi", "n", "tree")]
GLOSS = {w: g for w, _p, g in LEXICON}


def _sentence(subj: str, obj: str, verb: str, neg: bool = False) -> tuple[str, str]:
    zub = f"{subj} {obj}ko {verb}{'ma' if neg else ''}"
    eng = f"{GLOSS[subj].capitalize()} {'do not ' if neg else ''}{GLOSS[verb]} the {GLOSS[obj]}s."
    return zub.capitalize() + ".", eng


SENTENCES = [_sentence(s, o, v, n) for s in ("nasa", "wito") for o in ("tabu", "mesi", "pori", "gala", "dabi")
             for v in ("rano", "kelu") for n in (False, True)]


def write_zubi(root: Path) -> dict[str, Path]:
    root.mkdir(parents=True, exist_ok=True)
    dic = root / "zubi-dict.tsv"
    dic.write_text("lemma\tcat\tmeaning\n" + "".join(f"{w}\t{p}\t{g}\n" for w, p, g in LEXICON)
                   + "-ko\tsuff\tplural; object\n-ma\tsuff\tnegative\n", encoding="utf-8")
    sents = root / "zubi-sentences.tsv"
    sents.write_text("no\tzubi\tenglish\n" + "".join(f"z{i}\t{z}\t{e}\n" for i, (z, e) in enumerate(SENTENCES)),
                     encoding="utf-8")
    grammar = root / "zubi-grammar.txt"
    grammar.write_text(
        "1 Introduction\n\nZubi is a language with suffixes. Nouns take the suffix -ko when they are plural or "
        "objects, and verbs take -ma when negated. The order of words is subject, object, verb.\n\n"
        "2 Negation\n\nNegation is marked by the verbal suffix -ma, which follows the verb stem at the end of the "
        "clause; there is no separate negative particle in the language.\n\n"
        "(1) sumo gala-ko\n    go bird-PL\n    'The birds go.'\n", encoding="utf-8")
    return {"dictionary": dic, "examples": sents, "grammar": grammar}


def test_dictionary_formats_detected(tmp_path: Path) -> None:
    files = write_zubi(tmp_path)
    data = read_dictionary(files["dictionary"])
    assert data.format == "tsv" and data.entries[0].headword == "tabu" and data.entries[0].pos == "n"
    assert data.entries[0].senses == ("dog",)
    # no header names it knows: columns found by shape (English column, short repeated POS labels)
    shape = tmp_path / "shape.csv"
    shape.write_text("".join(f"{w},{p},{g}\n" for w, p, g in LEXICON), encoding="utf-8")
    assert [(e.headword, e.senses[0]) for e in read_dictionary(shape).entries][:2] == [("tabu", "dog"), ("mesi", "fish")]
    lines = tmp_path / "lines.txt"
    lines.write_text("tabu (n): dog\nmesi: fish\n", encoding="utf-8")
    assert [(e.headword, e.pos, e.senses) for e in read_dictionary(lines).entries] == [("tabu", "n", ("dog",)), ("mesi", "", ("fish",))]
    lines.write_text("tabu: dog\nthis line has no separator\n", encoding="utf-8")
    with pytest.raises(PackFormatError, match=r"lines.txt, line 2: expected 'headword: gloss'"):
        read_dictionary(lines)


def test_sentence_formats_detected(tmp_path: Path) -> None:
    files = write_zubi(tmp_path)
    data = read_sentences(files["examples"])
    assert data.examples[0].id == "z0" and data.examples[0].text == SENTENCES[0][0]
    assert data.examples[0].translation == SENTENCES[0][1]
    swapped = tmp_path / "swapped.csv"  # English first, no header, no ids
    swapped.write_text("".join(f'"{e}","{z}"\n' for z, e in SENTENCES[:6]), encoding="utf-8")
    assert [(x.text, x.translation) for x in read_sentences(swapped).examples] == SENTENCES[:6]
    blocks = tmp_path / "blocks.txt"
    blocks.write_text("Zubi: Nasa mesiko rano.\nEnglish: I eat the fishs.\n\nZubi: Wito taboko kelu.\nEnglish: They see the dogs.\n",
                      encoding="utf-8")
    assert [x.translation for x in read_sentences(blocks).examples] == ["I eat the fishs.", "They see the dogs."]
    blocks.write_text("Zubi: Nasa mesiko rano.\nEnglish: I eat.\n\nZubi: only one side\n", encoding="utf-8")
    with pytest.raises(PackFormatError, match=r"blocks.txt, line 4: expected a block"):
        read_sentences(blocks)


def test_affixes_learned_on_a_synthetic_language() -> None:
    heads = [w for w, _p, _g in LEXICON]
    surface = [w.strip(".").lower() for z, _e in SENTENCES for w in z.split()]
    suffixes, prefixes = learn_affixes(heads, (), surface)
    assert "ko" in suffixes and not prefixes  # -ma sits on two verb stems only: too few to count
    # segmented gloss-line words teach the same without the dictionary marking them
    suffixes, _ = learn_affixes([], ["tabu-ko", "mesi-ko", "rano=ma", "kelu=ma"])
    assert set(suffixes) == {"ko", "ma"}
    assert strict_key("Ta’bu") == strict_key("ta'bu") == "ta'bu" and loose_key("tábʔu") == loose_key("tabu")


def test_language_add_is_atomic_and_rerunnable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GRAMMAR_RAG_PACKS_DIR", str(tmp_path / "packs"))
    files = write_zubi(tmp_path / "in")
    bad = tmp_path / "in" / "bad.txt"
    bad.write_text("tabu: dog\nno separator here\n", encoding="utf-8")
    args = ["language", "add", "zub", "--name", "Zubi", "--grammar", str(files["grammar"]),
            "--examples", str(files["examples"])]
    assert main([*args, "--dictionary", str(bad)]) == 2
    assert "bad.txt, line 2" in capsys.readouterr().err
    assert PackStore(tmp_path / "packs").find("zub") is None and not list((tmp_path / "packs").glob("*zub*"))
    for _ in range(2):  # re-runnable: the second add replaces the first whole
        assert main([*args, "--dictionary", str(files["dictionary"])]) == 0
    pack = PackStore(tmp_path / "packs").get("Zubi")
    assert pack.counts["dictionary"] == 12 and pack.counts["examples"] == len(SENTENCES)
    capsys.readouterr()
    assert main(["language", "list", "--json"]) == 0
    assert {p["code"] for p in json.loads(capsys.readouterr().out)} == {"zub", "kgv"}
    assert main(["language", "remove", "zub"]) == 0 and PackStore(tmp_path / "packs").find("zub") is None


def test_new_pack_translates_both_ways_cli_and_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GRAMMAR_RAG_PACKS_DIR", str(tmp_path / "packs"))
    files = write_zubi(tmp_path / "in")
    held_out = [SENTENCES[i] for i in (3, 17)]  # never in any source below
    pool = tmp_path / "in" / "pool.tsv"
    pool.write_text("".join(f"{z}\t{e}\n" for z, e in SENTENCES if (z, e) not in held_out), encoding="utf-8")
    assert main(["language", "add", "zub", "--name", "Zubi", "--grammar", str(files["grammar"]),
                 "--dictionary", str(files["dictionary"]), "--examples", str(pool)]) == 0
    capsys.readouterr()
    zub, eng = held_out[0]
    assert main(["translate", zub, "--from", "zubi", "--to", "eng", "--embedder", "none", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["method"] == "model-free fallback" and "not see the dogs" in out["translation"].lower()
    assert {a["word"]: a["affixes"] for a in out["dictionary"]}[zub.split()[1].lower()] == ["=ko"]
    assert main(["translate", eng, "--from", "eng", "--to", "zub", "--embedder", "none"]) == 0
    assert "tabuko kelu" in capsys.readouterr().out.splitlines()[0].lower()
    # the app offers the new pack beside Kalamang, in both directions
    directions = logic.translation_directions()
    assert directions["Zubi → English"] == ("zub", "eng") and directions["English → Kalamang"] == ("eng", "kgv")
    res = logic.translation_resources(warm=False, language=logic.direction_language("English → Zubi"), embedder=None)
    assert "not see the dogs" in logic.run_translation(zub, "Zubi → English", resources=res).translation.lower()
    # the API with two packs loaded: the new one and (a tiny) Kalamang
    kgv = build_resources("kgv", data_dir=write_tiny_kalamang(tmp_path / "kgv"), embedder=None)
    zubi = build_resources("zub", embedder=None)
    assert translate(held_out[1][0], source="zub", target="eng", resources=zubi).examples
    with TestClient(create_app(translate_resources=[kgv, zubi])) as client:
        assert {"kgv", "zub", "eng"} <= set(client.get("/health").json()["translate_languages"])
        r = client.post("/translate", json={"text": held_out[1][1], "source": "eng", "target": "zub"})
        assert r.status_code == 200 and held_out[1][0].split()[1].lower() in r.json()["translation"].lower()
        r = client.post("/translate", json={"text": "Mu sorat koraru.", "source": "kgv", "target": "eng"})
        assert r.status_code == 200 and r.json()["translation"]


def test_prompt_is_built_from_the_pack(tmp_path: Path) -> None:
    from grammar_rag.llm.fake import FakeBackend

    files = write_zubi(tmp_path / "in")
    abbr = tmp_path / "in" / "abbr.txt"
    abbr.write_text("PL: plural\nNEG: negative\n", encoding="utf-8")
    store = PackStore(tmp_path / "packs")
    store.add("zub", name="Zubi", grammar=files["grammar"], dictionary=files["dictionary"], examples=files["examples"],
              abbreviations=abbr, orthography="Long vowels are written double; ' is a glottal stop.")
    res = build_resources("zub", store=store, embedder=None)
    fake = FakeBackend(replies={"Zubi": "sumo galako"})
    tr = translate("The birds go.", source="eng", target="zub", backend=fake, resources=res)
    prompt = tr.prompt or ""
    assert tr.translation == "sumo galako" and "between English and Zubi" in prompt
    assert "gala [n]: bird" in prompt and "gloss: go bird-PL" in prompt and "- PL: plural" in prompt
    assert "Orthography notes: Long vowels are written double" in prompt and "suffix -ko" in prompt
    assert "NEG: negative" not in prompt  # only the abbreviations the shown glosses use


def test_test_sentences_leave_every_source(tmp_path: Path) -> None:
    """A held-out sentence quoted in the grammar's prose, repeated as a grammar example and (with other
    punctuation) among the pack's sentences is gone from all three; the others stay."""
    from grammar_rag.text.tokens import normalise_sentence
    from grammar_rag.translate.examples import Example

    files = write_zubi(tmp_path / "in")
    zub, eng = SENTENCES[0]
    files["grammar"].write_text(
        files["grammar"].read_text(encoding="utf-8")
        + f"\n3 Word order\n\nA typical clause is {zub.lower().rstrip('.')} which means '{eng}' in English.\n\n"
        + f"(2) {zub.lower().rstrip('.').replace('ko ', '-ko ')}\n    1SG dog-PL eat\n    '{eng}'\n",
        encoding="utf-8")
    store = PackStore(tmp_path / "packs")
    store.add("zub", name="Zubi", grammar=files["grammar"], dictionary=files["dictionary"], examples=files["examples"])
    test = [Example("held", zub.upper().rstrip("."), eng.rstrip(".") + "!")]  # a normalised duplicate
    full = build_resources("zub", store=store, embedder=None)
    res = build_resources("zub", store=store, embedder=None, exclude=test)
    key, tkey = normalise_sentence(zub), normalise_sentence(eng)
    assert any(normalise_sentence(e.text) == key for e in full.examples)
    assert any(tkey in normalise_sentence(p.text) for p in full.passages)  # the prose quoted it
    assert all(normalise_sentence(e.text) != key and normalise_sentence(e.translation) != tkey for e in res.examples)
    assert all(tkey not in normalise_sentence(p.text) for p in res.passages)
    assert len(res.examples) == len(full.examples) - 1 and len(res.passages) == len(full.passages) - 1
    tr = translate(eng, source="eng", target="zub", resources=res)
    assert tr.examples and all(normalise_sentence(s.example.text) != key for s in tr.examples)


def test_glottolog_lookup_keeps_working_beside_pack_actions(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["language", "Rapa Nui", "--data-dir", "/nonexistent/data"]) == 2  # options after the name
    assert "/nonexistent/data" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["language", "add", "xx"])  # --name and --dictionary are required
    assert "--name" in capsys.readouterr().err


CYR = str.maketrans({"a": "а", "b": "б", "d": "д", "e": "е", "g": "г", "i": "и", "k": "к", "l": "л", "m": "м",
                     "n": "н", "o": "о", "p": "п", "r": "р", "s": "с", "t": "т", "u": "у", "w": "в", "č": "ч"})
EXTRA = [a + b + c for a in ("ta", "ri", "no", "ču", "pe") for b in ("ka", "mi", "lo") for c in ("", "s", "n", "d")]


def _cyr(word: str) -> str:
    return word.translate(CYR)


def test_transliteration_learned_from_variant_headwords(tmp_path: Path) -> None:
    from grammar_rag.translate.morphology import Transliterator

    heads = [w for w, _p, _g in LEXICON] + EXTRA
    tr = Transliterator.learn([(_cyr(h), h) for h in heads])
    assert tr is not None and tr.source_script == "CYRILLIC"
    assert tr(_cyr("mesiko")) == "mesiko" and tr(_cyr("čulon")) == "čulon"  # words it never saw
    assert tr("tabu") == "tabu"  # the headwords' own script is left alone
    # a pack whose TSV dictionary has a Cyrillic column reads Cyrillic input in the pool's spelling
    files = write_zubi(tmp_path / "in")
    files["dictionary"].write_text(
        "lemma\tcat\tmeaning\tcyrillic\n" + "".join(f"{w}\t{p}\t{g}\t{_cyr(w)}\n" for w, p, g in LEXICON)
        + "".join(f"{w}\tn\tthing {i}\t{_cyr(w)}\n" for i, w in enumerate(EXTRA)), encoding="utf-8")
    store = PackStore(tmp_path / "packs")
    pack = store.add("zub", name="Zubi", dictionary=files["dictionary"], examples=files["examples"])
    assert pack.counts["transliteration_chunks"] > 10
    res = build_resources("zub", store=store, embedder=None)
    zub, _eng = SENTENCES[5]
    latin = translate(zub, source="zub", target="eng", resources=res).translation
    cyrillic = translate(_cyr(zub.lower()), source="zub", target="eng", resources=res).translation
    assert cyrillic.lower() == latin.lower() and res.dictionary.analyse(_cyr("mesiko")).method == "transliterated"


def test_bench_translate_on_a_new_pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`bench translate --language --test`: held-out rows of the new language, both directions, both
    baselines in the same run, no leaks; adapting retrieved examples beats word-by-word by 5 chrF."""
    monkeypatch.setenv("GRAMMAR_RAG_PACKS_DIR", str(tmp_path / "packs"))
    files = write_zubi(tmp_path / "in")
    held = SENTENCES[1::7]
    (tmp_path / "in" / "pool.tsv").write_text("".join(f"{z}\t{e}\n" for z, e in SENTENCES if (z, e) not in held),
                                              encoding="utf-8")
    (tmp_path / "in" / "held.tsv").write_text("".join(f"{z}\t{e}\n" for z, e in held), encoding="utf-8")
    assert main(["language", "add", "zub", "--name", "Zubi", "--grammar", str(files["grammar"]),
                 "--dictionary", str(files["dictionary"]), "--examples", str(tmp_path / "in" / "pool.tsv")]) == 0
    out = tmp_path / "report.json"
    assert main(["bench", "translate", "--language", "zub", "--test", str(tmp_path / "in" / "held.tsv"),
                 "--out", str(out), "--no-progress"]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["n_sentences"] == len(held) and report["retrieval_leaks"] == 0
    assert report["split"]["pool_size"] == len(SENTENCES) - len(held) + 1  # + the grammar's own example
    for key in ("zub-eng", "eng-zub"):
        assert report["chrf"][key] >= report["baselines"]["word-by-word"]["chrf"][key] + 5
        assert report["chrf"][key] > report["baselines"]["copy-input"]["chrf"][key]
    assert "Zubi <-> English" in out.with_suffix(".md").read_text(encoding="utf-8")


def test_pack_store_writes_take_the_store_lock(tmp_path: Path) -> None:
    """While another process holds the pack store's writer lock, ``remove`` waits (fails with no-wait)."""
    import subprocess
    import sys

    from grammar_rag.errors import GrammarRagError
    from grammar_rag.locking import set_default_wait
    from grammar_rag.translate.packs import PackStore

    store = PackStore(tmp_path / "packs")
    (tmp_path / "dict.tsv").write_text("headword\tdefinition\nkala\tfish\nbolo\thouse\n", encoding="utf-8")
    store.add("tst", name="Testish", dictionary=tmp_path / "dict.tsv")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; from grammar_rag.locking import directory_lock\n"
         f"with directory_lock({str(store.root)!r}):\n    print('held', flush=True); time.sleep(30)"],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        set_default_wait(False)
        try:
            with pytest.raises(GrammarRagError, match="pack store"):
                store.remove("tst")
        finally:
            set_default_wait(True)
        assert store.get("tst").code == "tst"  # nothing changed while the lock was held elsewhere
    finally:
        holder.kill()
        holder.wait()
