"""PERSON detection through Presidio's spaCy NER: optional, off by default.

Only strings that look like prose with a capitalised word reach the model, so the
cost stays off the hot path of short parameter values.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from redact.errors import NERUnavailable

__all__ = ["PersonNER", "PERSON"]

_PROSE = re.compile(r"[A-Z][a-z]+\s+[A-Z][a-z]+")


class _PersonDetector:
    __slots__ = ("id", "category", "confidence", "index")

    def __init__(self, confidence: float) -> None:
        self.id = "presidio-ner-person"
        self.category = "PERSON"
        self.confidence = confidence
        self.index = -2


PERSON = _PersonDetector(0.85)


class PersonNER:
    """Presidio's AnalyzerEngine with only its spaCy recognizer, on a locally installed model."""

    def __init__(self, model: str, min_score: float = 0.85) -> None:
        import spacy

        if not (spacy.util.is_package(model) or Path(model).exists()):
            raise NERUnavailable(
                f"PERSON detection needs the spaCy model {model!r}, which is not installed; "
                "install a spaCy model package or point ner.model at a model folder"
            )
        from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
        from presidio_analyzer.nlp_engine import SpacyNlpEngine
        from presidio_analyzer.predefined_recognizers import SpacyRecognizer

        engine = SpacyNlpEngine(models=[{"lang_code": "en", "model_name": model}])
        engine.load()
        registry = RecognizerRegistry(supported_languages=["en"])
        registry.add_recognizer(SpacyRecognizer(supported_entities=["PERSON"]))
        self._analyzer = AnalyzerEngine(registry=registry, nlp_engine=engine, supported_languages=["en"])
        self.min_score = min_score

    def add_hits(self, text: str, hits: list[Any]) -> list[Any]:
        """``hits`` plus PERSON hits that overlap none of them."""
        if not _PROSE.search(text):
            return hits
        from redact.detect.engine import Hit

        out = list(hits)
        for r in self._analyzer.analyze(text=text, entities=["PERSON"], language="en"):
            if r.score < self.min_score:
                continue
            if all(r.end <= h.claim_start or r.start >= h.claim_end for h in out):
                out.append(Hit(PERSON, r.start, r.end, r.start, r.end))  # type: ignore[arg-type]
        out.sort(key=lambda h: (h.start, h.end))
        return out
