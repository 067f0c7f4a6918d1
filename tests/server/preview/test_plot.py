"""Curve plots: produced for every animation format, with emotion keys and blinks, bad requests refused."""
import numpy as np
import pytest
from PIL import Image

from model.errors import InputError
from server.preview.plot import PlotOptions, emotion_marks, panels_for, plot_animation
from server.runtime.animation import Animation
from server.runtime.formats import FORMATS, read, write


@pytest.mark.parametrize("fmt", FORMATS)
def test_plot_for_every_input_format(tmp_path, talking_anim, fmt):
    src = write(talking_anim, tmp_path / f"anim.{fmt}")
    out = plot_animation(read(src), tmp_path / f"curves_{fmt}.png", PlotOptions(groups=("jaw", "mouth"), dpi=50))
    with Image.open(out) as img:
        arr = np.asarray(img.convert("RGB"))
    assert arr.shape[1] == 600 and arr.shape[0] > 200  # 12 in x 50 dpi wide
    assert arr.std() > 10  # not blank


def test_svg_and_pdf_outputs(tmp_path, talking_anim):
    svg = plot_animation(talking_anim, tmp_path / "c.svg", PlotOptions(controls=("CTRL_C_jaw.ty",)))
    assert svg.read_text().lstrip().startswith("<?xml") and "CTRL_C_jaw.ty" in svg.read_text()
    pdf = plot_animation(talking_anim, tmp_path / "c.pdf", PlotOptions(groups=("eye",)))
    assert pdf.read_bytes().startswith(b"%PDF")


def test_events_are_marked(tmp_path, talking_anim):
    marks = emotion_marks(talking_anim)
    assert marks == [(0.0, 0.0, "happy 0.80"), (0.7, pytest.approx(1.0), "sad 0.50")]
    svg = plot_animation(talking_anim, tmp_path / "marked.svg", PlotOptions(groups=("jaw",))).read_text()
    assert "happy 0.80" in svg and "sad 0.50" in svg
    bare = Animation(talking_anim.frames)
    assert emotion_marks(bare) == []
    plain = plot_animation(bare, tmp_path / "plain.svg", PlotOptions(groups=("jaw",))).read_text()
    assert "happy" not in plain and len(plain) < len(svg)  # the marks add drawing


def test_panels_follow_groups_and_controls():
    assert [t for t, _ in panels_for(PlotOptions())] == ["jaw", "mouth", "eye", "brow"]
    panels = panels_for(PlotOptions(groups=("Eye",), controls=("CTRL_C_jaw.ty", "CTRL_L_eye_blink-translateY")))
    assert [t for t, _ in panels] == ["eye", "selected controls"] and len(panels[1][1]) == 2
    assert [t for t, _ in panels_for(PlotOptions(controls=("CTRL_C_jaw.ty",)))] == ["selected controls"]


def test_bad_plot_requests(tmp_path, talking_anim):
    with pytest.raises(InputError, match="unknown control group 'lips'"):
        panels_for(PlotOptions(groups=("lips",)))
    with pytest.raises(InputError, match="unknown control"):
        panels_for(PlotOptions(controls=("CTRL_C_nope.ty",)))
    with pytest.raises(InputError, match=".png"):
        plot_animation(talking_anim, tmp_path / "c.jpeg")
    with pytest.raises(InputError, match="no frames"):
        plot_animation(Animation(np.zeros((0, 174), np.float32)), tmp_path / "c.png")
    assert not list(tmp_path.iterdir())
