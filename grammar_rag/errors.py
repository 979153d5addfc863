"""Exceptions with messages a user can act on.

Every error raised for bad input names the offending thing (file, feature id, endpoint) so the
CLI, the HTTP API and the Streamlit app can show it verbatim instead of a traceback.
"""


class GrammarRagError(Exception):
    """Base class: anything the user can fix (bad input, missing data, unreachable service)."""


class IngestError(GrammarRagError):
    """A source file could not be turned into passages (corrupt, encrypted, no text layer...)."""


class IndexStoreError(GrammarRagError):
    """An index directory is missing, half-written, or built with a different model."""


class UnknownFeatureError(GrammarRagError, KeyError):
    """A feature id/name matched nothing in the catalogue; the message lists close matches."""

    def __str__(self) -> str:  # KeyError would otherwise repr() the message
        return str(self.args[0]) if self.args else "unknown feature"


class UnknownLanguageError(GrammarRagError, KeyError):
    """A language name / ISO code / Glottocode matched nothing."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "unknown language"


class BackendError(GrammarRagError):
    """An LLM backend failed (unreachable endpoint, malformed reply, timeout)."""


class DataDirError(GrammarRagError):
    """A data directory does not have the expected layout."""
