"""Generated parts of ``docs/livelink_face.md``: the mapping table and the controls it drops.

``python -m server.livelink_face.docs [PATH]`` rewrites the text between the
``<!-- BEGIN GENERATED: name -->`` / ``<!-- END GENERATED: name -->`` markers of the doc;
a test fails if the committed doc differs from what this would write.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

from server.livelink_face.mapping import table_markdown, unused_controls

DOC_PATH = Path(__file__).resolve().parents[2] / "docs" / "livelink_face.md"


def sections() -> dict[str, str]:
    """Generated section name -> Markdown body."""
    lost = unused_controls()
    dropped = (f"{len(lost)} of the 174 controls reach no curve:\n\n"
               + ", ".join(f"`{name}`" for name in lost) + "\n")
    return {"mapping": table_markdown(), "dropped": dropped}


def render(text: str) -> str:
    """``text`` with every generated section replaced; raises if a marker pair is missing."""
    for name, body in sections().items():
        pattern = re.compile(rf"(<!-- BEGIN GENERATED: {name} -->\n).*?(<!-- END GENERATED: {name} -->)", re.S)
        if not pattern.search(text):
            raise ValueError(f"docs/livelink_face.md lacks the markers of generated section {name!r}")
        text = pattern.sub(lambda m: m.group(1) + body + m.group(2), text)
    return text


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    path = Path(argv[0]) if argv else DOC_PATH
    path.write_text(render(path.read_text(encoding="utf-8")), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
