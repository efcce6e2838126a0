"""docs/carriers.md shows every built-in adapter's status mapping exactly as its code table."""

from __future__ import annotations

import pytest

from carriers.base import CarrierAdapter
from carriers.mapping_docs import BUILT_IN, DOC, code_table, mapping_table

DOCS = DOC.read_text(encoding="utf-8")


@pytest.mark.parametrize("key", BUILT_IN)
def test_the_docs_show_the_current_mapping(key: str) -> None:
    assert f"### {key}" in DOCS
    assert mapping_table(key) in DOCS, f"run `python -m carriers.mapping_docs` after editing {key}"


@pytest.mark.parametrize("key", BUILT_IN)
def test_every_code_maps_into_the_vocabulary(key: str) -> None:
    assert code_table(key), f"{key} maps no codes"


def test_the_docs_describe_every_part_of_the_contract() -> None:
    for name in ("track", "verify_webhook", "parse_webhook", "create_return_label", "language_for"):
        assert hasattr(CarrierAdapter, name)
        assert f"{name}" in DOCS, f"docs/carriers.md does not describe {name}"
    for attribute in ("key", "display_name", "tracking_url", "batch_size", "rate_limit",
                      "supports_push", "credential_fields", "accepts_hints",
                      "answer_languages", "NumberHint"):  # fmt: skip
        assert f"`{attribute}`" in DOCS, f"docs/carriers.md does not describe {attribute}"
