"""Presidio as a bridge: the catalog as a recognizer, and optional PERSON NER."""

from __future__ import annotations

import pytest
import spacy
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
from presidio_analyzer.nlp_engine import SpacyNlpEngine

import redact
from redact.errors import NERUnavailable
from redact.policy import NERSettings, Policy
from redact.presidio import RedactRecognizer

PG = "postgresql://svc:Xk9pLm2Qa@db.internal:5432/features"


class _BlankEngine(SpacyNlpEngine):
    """Presidio's spaCy engine on a blank pipeline (no model download)."""

    def load(self) -> None:
        self.nlp = {"en": spacy.blank("en")}


def _analyzer() -> AnalyzerEngine:
    nlp = _BlankEngine(models=[{"lang_code": "en", "model_name": "blank"}])
    nlp.load()
    registry = RecognizerRegistry(supported_languages=["en"])
    registry.add_recognizer(RedactRecognizer())
    return AnalyzerEngine(registry=registry, nlp_engine=nlp, supported_languages=["en"])


def test_recognizer_inside_an_analyzer_engine():
    """An AnalyzerEngine user adds RedactRecognizer and gets our categories and spans."""
    text = f"db {PG} card 4111111111111111 and git a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0"
    analyzer = _analyzer()
    results = analyzer.analyze(text=text, language="en", return_decision_process=True)
    results = sorted(results, key=lambda r: r.start)
    assert [(r.entity_type, text[r.start : r.end]) for r in results] == [
        ("CONNECTION_STRING", "Xk9pLm2Qa"),
        ("CREDIT_CARD", "4111111111111111"),
    ]
    assert "uri-credentials" in results[0].analysis_explanation.textual_explanation


def test_recognizer_filters_entities():
    """Asking for one entity returns only that entity."""
    results = _analyzer().analyze(text=f"{PG} 4111111111111111", language="en", entities=["CREDIT_CARD"])
    assert [r.entity_type for r in results] == ["CREDIT_CARD"]


def test_ner_without_a_model_fails_clearly():
    """Enabling PERSON without an installed spaCy model raises a clear error."""
    policy = Policy(ner=NERSettings(enabled=True, model="xx_no_such_model"))
    with pytest.raises(NERUnavailable, match="xx_no_such_model.*not installed"):
        redact.build_scanner(policy)


def test_ner_with_a_local_model(tmp_path):
    """With a local spaCy pipeline (an entity ruler saved to disk), PERSON findings appear
    through Presidio, only when enabled, and never on top of another finding."""
    nlp = spacy.blank("en")
    ruler = nlp.add_pipe("entity_ruler")
    ruler.add_patterns([{"label": "PERSON", "pattern": "Ada Lovelace"}])
    model = tmp_path / "model"
    nlp.to_disk(model)
    doc = {"notes": "Reviewed by Ada Lovelace; contact 415-555-0132", "lr": "0.1"}
    assert [f.category for f in redact.scan(doc)] == ["PHONE_NUMBER"]
    policy = Policy(ner=NERSettings(enabled=True, model=str(model), min_score=0.5))
    findings = redact.build_scanner(policy).scan(doc)
    assert sorted((f.category, f.detector) for f in findings) == [
        ("PERSON", "presidio-ner-person"),
        ("PHONE_NUMBER", "phone-number"),
    ]
    person = next(f for f in findings if f.category == "PERSON")
    assert doc["notes"][person.start : person.end] == "Ada Lovelace"
