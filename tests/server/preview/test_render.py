"""Rendered frames: parts differ exactly where the controls differ, and the cues are readable."""
import numpy as np
import pytest

from server.preview.face_params import FaceParams, pose
from server.preview.render import IRIS, SCLERA, FaceRenderer, PanelCanvas, RenderOptions

SIZE = 256
MOUTH_BOX = (370, 610, 630, 820)  # design units (x0, x1, y0, y1) of the 1000-unit face box
EYES_BOX = (330, 690, 370, 480)


def crop(img, box):
    s = img.shape[0] / 1000
    x0, x1, y0, y1 = (int(v * s) for v in box)
    return img[y0:y1, x0:x1].astype(np.int16)


@pytest.fixture(scope="module")
def renderer():
    return FaceRenderer(RenderOptions(size_px=SIZE))


@pytest.fixture(scope="module")
def frames(renderer, poses):
    return {name: renderer.render_controls(pose(values)[0]) for name, values in poses.items()}


def count_colour(img, colour):
    return int(np.all(img == np.array(colour, np.int16), axis=-1).sum())


def test_frame_shape_and_determinism(renderer, frames):
    assert frames["rest"].shape == (SIZE, SIZE, 3) and frames["rest"].dtype == np.uint8
    again = renderer.render_controls(pose({})[0])
    assert np.array_equal(again, frames["rest"])
    # the frame buffer is reused, but arrays handed out are copies: an earlier frame is not overwritten
    assert not np.array_equal(frames["open_vowel"], frames["rest"])


def test_open_jaw_and_closed_lips_differ_in_the_mouth_only(frames):
    open_, closed = frames["open_vowel"], frames["bilabial"]
    mouth_diff = np.abs(crop(open_, MOUTH_BOX) - crop(closed, MOUTH_BOX)).mean()
    assert mouth_diff > 10
    assert np.array_equal(crop(open_, EYES_BOX), crop(closed, EYES_BOX))
    # the open mouth shows its dark interior; the closed one none of it
    dark = lambda img: int((crop(img, MOUTH_BOX).sum(-1) < 200).sum())  # noqa: E731
    assert dark(open_) > 200 and dark(closed) < 0.2 * dark(open_)


def test_blink_hides_the_iris_and_squint_narrows_it(frames):
    iris = {k: count_colour(crop(frames[k], EYES_BOX), IRIS) for k in ("rest", "squint", "blink", "wide")}
    sclera = {k: count_colour(crop(frames[k], EYES_BOX), SCLERA) for k in ("rest", "squint", "blink", "wide")}
    assert iris["blink"] == 0 and sclera["blink"] == 0
    assert 0 < iris["squint"] < iris["rest"] and 0 < sclera["squint"] < sclera["rest"] < sclera["wide"]


def test_smile_and_frown_render_differently(frames):
    smile, frown, rest = frames["smile"], frames["frown"], frames["rest"]
    assert np.abs(crop(smile, MOUTH_BOX) - crop(frown, MOUTH_BOX)).mean() > 3
    assert not np.array_equal(crop(smile, MOUTH_BOX), crop(rest, MOUTH_BOX))


def test_gaze_moves_iris_pixels(frames):
    def iris_x(img):
        ys, xs = np.nonzero(np.all(img == np.array(IRIS, np.uint8), axis=-1))
        return xs.mean()
    assert iris_x(frames["look_right"]) > iris_x(frames["rest"]) + 3 > iris_x(frames["look_left"]) + 6


def test_supersampling_and_size():
    small = FaceRenderer(RenderOptions(size_px=128, supersample=2, caption=False)).render_controls(pose({})[0])
    assert small.shape == (128, 128, 3)
    with pytest.raises(ValueError, match="even"):
        RenderOptions(size_px=129)


def test_caption_is_drawn_at_the_bottom(renderer):
    plain = renderer.render_controls(pose({})[0])
    captioned = renderer.render_controls(pose({})[0], "1.00 s   happy 0.80")
    changed_rows = np.nonzero(np.any(plain != captioned, axis=(1, 2)))[0]
    assert changed_rows.size and changed_rows.min() > 0.85 * SIZE


def test_panel_canvas_places_panels_under_the_header(renderer, poses):
    canvas = PanelCanvas(SIZE, 2, ["A", "B"])
    width, height = canvas.size
    assert width == 2 * SIZE and height > SIZE and height % 2 == 0
    a = renderer.render_image(FaceParams.from_frames(pose(poses["open_vowel"])), 0)
    b = FaceRenderer(RenderOptions(size_px=SIZE)).render_image(FaceParams.from_frames(pose(poses["bilabial"])), 0)
    assert not np.array_equal(np.asarray(a), np.asarray(b))
    raw = np.frombuffer(canvas.compose([a, b]), np.uint8).reshape(height, width, 3)
    top = height - SIZE
    assert np.array_equal(raw[top:, :SIZE], np.asarray(a)) and np.array_equal(raw[top:, SIZE:], np.asarray(b))
    assert raw[:top].std() > 0  # the labels are drawn

