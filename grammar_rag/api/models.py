"""Request and response bodies of the HTTP API (pydantic, so the OpenAPI schema is exact)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from grammar_rag.translate import MAX_TEXT_CHARS


class ErrorResponse(BaseModel):
    detail: str = Field(description="what went wrong, naming the offending input or service")


class TranslateRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS, description="sentence to translate")
    source: str = Field(default="kgv", max_length=40, description="source language: ISO 639-3 code or name")
    target: str = Field(default="eng", max_length=40, description="target language: ISO 639-3 code or name")
    backend: str | None = Field(
        default=None, max_length=40,
        description="LLM backend name, or 'model-free'; default: the server's configured backend",
    )

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text is empty (only whitespace)")
        return value


class DictionaryHit(BaseModel):
    word: str
    stem: str
    affixes: list[str]
    method: str
    entries: list[dict[str, Any]]
    full_form_gloss: str = ""


class ExampleHit(BaseModel):
    id: str
    text: str
    translation: str
    origin: str
    gloss: str = ""
    section: list[str] = []
    score: float
    rank: int
    bm25: float = 0.0
    dense: float = 0.0


class GrammarHit(BaseModel):
    passage_id: str
    grammar_id: str
    section: list[str]
    citation: str
    text: str
    score: float
    rank: int


class TranslateResponse(BaseModel):
    text: str
    translation: str
    source: str
    target: str
    method: str = Field(description="'llm:<backend>' or 'model-free fallback'")
    model_free: bool
    note: str
    dictionary: list[DictionaryHit]
    examples: list[ExampleHit]
    grammar: list[GrammarHit]
    prompt_version: str


class ClassifyRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    grammar: str = Field(min_length=1, max_length=200, description="grammar id, language name or ISO code")
    feature: str = Field(min_length=1, max_length=200, description="feature id or name, e.g. 'WALS 81A', 'GB107'")
    backend: str | None = Field(default=None, max_length=40, description="'evidence' (model-free) or an LLM backend")


class EvidenceModel(BaseModel):
    passage_id: str
    grammar_id: str
    quote: str
    pages: str | None = None
    section: list[str] = []
    score: float = 0.0
    supports: str | None = None


class ClassifyResponse(BaseModel):
    grammar_id: str
    feature_id: str
    value: str
    values: list[str] = []
    code: str | None = None
    evidence: list[EvidenceModel] = []
    reasoning: str = ""
    confidence: float = 0.0
    backend: str = ""
    prompt_version: str = ""
    flags: list[str] = []
    abstained: bool = Field(default=False, description="not answered (value 'not enough information'); the "
                            "evidence passages and pages are still returned: where to read")
    calibrated: bool = Field(default=False, description="confidence is P(correct), calibrated out of sample")
    confidence_percent: str | None = Field(default=None, description="the calibrated confidence as a percentage")


class FeatureValueModel(BaseModel):
    code: str
    name: str
    description: str = ""
    number: int | None = None


class FeatureSummary(BaseModel):
    id: str
    database: str
    name: str
    question: str


class FeatureDetail(FeatureSummary):
    values: list[FeatureValueModel]
    guideline: str = ""
    components: list[dict[str, Any]] = []


class HealthResponse(BaseModel):
    status: str
    version: str
    backend: str
    index: str | None
    grammars: int | None
    translate_languages: list[str]
    in_flight: int
    max_concurrency: int
    max_queue: int
    timeout_s: float
