"""The catalog as a Presidio recognizer, for teams that already run an AnalyzerEngine.

    from presidio_analyzer import AnalyzerEngine
    from redact.presidio import RedactRecognizer

    analyzer = AnalyzerEngine(...)
    analyzer.registry.add_recognizer(RedactRecognizer())

The recognizer runs redact's compiled engine once per text and answers with Presidio
``RecognizerResult``s whose explanation names the detector.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from presidio_analyzer import AnalysisExplanation, EntityRecognizer, RecognizerResult

from redact._build import get_scanner
from redact.policy import Policy

__all__ = ["RedactRecognizer"]


class RedactRecognizer(EntityRecognizer):
    """Every detector of the (policy's) catalog behind one Presidio recognizer."""

    def __init__(self, policy: Policy | str | Path | None = None, supported_language: str = "en") -> None:
        self._scanner = get_scanner(policy)
        entities = sorted({d.category for d in self._scanner.engine.detectors})
        super().__init__(
            supported_entities=entities,
            name="RedactRecognizer",
            supported_language=supported_language,
            version="1",
        )

    def load(self) -> None:  # the engine is compiled already
        pass

    def analyze(
        self, text: str, entities: list[str], nlp_artifacts: Any = None, key: str = ""
    ) -> list[RecognizerResult]:
        wanted = set(entities) if entities else None
        results = []
        for h in self._scanner.scan_text(text, key):
            if h.shadow:  # an overlap reported by another hit: one result per claim
                continue
            d = h.detector
            if wanted is not None and d.category not in wanted:
                continue
            explanation = AnalysisExplanation(
                recognizer="RedactRecognizer",
                original_score=h.confidence,
                textual_explanation=f"redact detector {d.id}",
            )
            results.append(
                RecognizerResult(d.category, h.start, h.end, h.confidence, analysis_explanation=explanation)
            )
        return results
