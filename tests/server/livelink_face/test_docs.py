"""docs/livelink_face.md carries the mapping table generated from the code, up to date."""
from server.livelink_face.docs import DOC_PATH, render, sections
from server.livelink_face.mapping import BLENDSHAPE_RULES, NOT_REPRESENTABLE
from server.livelink_face.packet import CURVE_NAMES


def test_doc_matches_the_code():
    text = DOC_PATH.read_text(encoding="utf-8")
    assert render(text) == text, "run: python -m server.livelink_face.docs"


def test_generated_table_lists_every_curve_once():
    table = sections()["mapping"]
    rows = [line for line in table.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert [row.split("`")[1] for row in rows] == list(CURVE_NAMES)
    for curve in NOT_REPRESENTABLE:
        assert f"`{curve}` | not representable" in table
    assert "pos(`CTRL_C_jaw.ty`)" in rows[CURVE_NAMES.index("jawOpen")]
    assert all(f"`{c}` | not representable" not in table for c in BLENDSHAPE_RULES)
