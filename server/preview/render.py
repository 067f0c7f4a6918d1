"""Draw the preview face with Pillow: shapes from :mod:`face_geometry` -> RGB frames.

One :class:`FaceRenderer` is built per video (static parts are drawn once) and renders
frames as Pillow images or ``(H, W, 3)`` uint8 arrays. :class:`PanelCanvas` puts labelled
panels next to each other for comparisons.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from server.preview.face_geometry import (CENTRE_X, HEAD_CENTRE_Y, HEAD_HALF_H, HEAD_HALF_W, EyeShapes,
                                          FaceShapes, MouthShapes, face_shapes)
from server.preview.face_params import FaceParams

Color = tuple[int, int, int]

BACKGROUND: Color = (36, 40, 50)
SKIN: Color = (232, 190, 160)
SKIN_SHADE: Color = (205, 160, 132)
LINE: Color = (120, 70, 55)
HAIR: Color = (70, 48, 36)
BROW: Color = (66, 44, 32)
SCLERA: Color = (246, 244, 240)
IRIS: Color = (70, 120, 150)
PUPIL: Color = (15, 15, 20)
LID: Color = (60, 35, 30)
LIPS: Color = (190, 90, 95)
LIP_EDGE: Color = (130, 50, 60)
INTERIOR: Color = (70, 18, 28)
TEETH: Color = (245, 242, 228)
TONGUE: Color = (205, 95, 105)
BLUSH: Color = (240, 150, 140)
TEXT: Color = (230, 230, 235)


@dataclass(frozen=True)
class RenderOptions:
    """size_px: output width and height of one face panel in pixels.
    supersample: draw at this multiple of ``size_px`` and downscale (anti-aliasing; 1 = off, 2 costs ~3x).
    caption: draw the time (and the emotion, when given) along the bottom of the panel."""

    size_px: int = 640
    supersample: int = 1
    caption: bool = True

    def __post_init__(self) -> None:
        if not 64 <= self.size_px <= 4096 or self.size_px % 2:
            raise ValueError(f"size_px must be an even number in 64..4096, got {self.size_px}")
        if self.supersample not in (1, 2, 3, 4):
            raise ValueError(f"supersample must be 1..4, got {self.supersample}")


def _mix(a: Color, b: Color, t: float) -> Color:
    t = min(max(t, 0.0), 1.0)
    return tuple(int(round(x + (y - x) * t)) for x, y in zip(a, b))  # type: ignore[return-value]


class FaceRenderer:
    """Renders :class:`FaceParams` frames to RGB images of ``options.size_px`` squared."""

    def __init__(self, options: RenderOptions = RenderOptions()):
        self.options = options
        self._px = options.size_px * options.supersample
        self._scale = self._px / 1000.0
        self._base = self._draw_base()
        self._frame = self._base.copy()  # drawn into in place: a fresh 640x640 image per frame costs ~2x
        self._font = ImageFont.load_default(size=max(10, options.size_px // 32) * options.supersample)

    # -- helpers ---------------------------------------------------------------
    def _xy(self, pts: np.ndarray) -> list[float]:
        return (np.asarray(pts, dtype=np.float64) * self._scale).ravel().tolist()

    def _w(self, width_units: float) -> int:
        return max(1, int(round(width_units * self._scale)))

    def _ellipse(self, draw: ImageDraw.ImageDraw, x: float, y: float, rx: float, ry: float, fill: Color) -> None:
        s = self._scale
        draw.ellipse([(x - rx) * s, (y - ry) * s, (x + rx) * s, (y + ry) * s], fill=fill)

    def _draw_base(self) -> Image.Image:
        """Background, neck and ears: the parts no control moves."""
        img = Image.new("RGB", (self._px, self._px), BACKGROUND)
        d = ImageDraw.Draw(img)
        s = self._scale
        d.rectangle([(CENTRE_X - 130) * s, 800 * s, (CENTRE_X + 130) * s, 1000 * s], fill=SKIN_SHADE)
        d.ellipse([(CENTRE_X - 420) * s, 930 * s, (CENTRE_X + 420) * s, 1250 * s], fill=(60, 70, 95))
        for sign in (1, -1):
            self._ellipse(d, CENTRE_X + sign * (HEAD_HALF_W - 5), 470, 38, 70, SKIN_SHADE)
        return img

    def _clipped(self, img: Image.Image, polygon: np.ndarray, fill: Color, paint) -> None:
        """Fill ``polygon`` and call ``paint(draw, offset_xy)`` for contents clipped to it."""
        pts = np.asarray(polygon, dtype=np.float64) * self._scale
        x0, y0 = np.floor(pts.min(0)).astype(int)
        x1, y1 = np.ceil(pts.max(0)).astype(int) + 1
        if x1 - x0 < 2 or y1 - y0 < 2:
            return
        patch = Image.new("RGB", (int(x1 - x0), int(y1 - y0)), fill)
        mask = Image.new("L", patch.size, 0)
        local = (pts - [x0, y0]).ravel().tolist()
        ImageDraw.Draw(mask).polygon(local, fill=255)
        paint(ImageDraw.Draw(patch), (x0 / self._scale, y0 / self._scale))
        img.paste(patch, (int(x0), int(y0)), mask)

    # -- parts -------------------------------------------------------------------
    def _head(self, d: ImageDraw.ImageDraw, shapes: FaceShapes) -> None:
        d.polygon(self._xy(shapes.head), fill=SKIN)
        s = self._scale
        rx, ry = HEAD_HALF_W + 8, HEAD_HALF_H + 10
        d.chord([(CENTRE_X - rx) * s, (HEAD_CENTRE_Y - ry) * s, (CENTRE_X + rx) * s, (HEAD_CENTRE_Y + ry) * s],
                225, 315, fill=HAIR)

    def _eye(self, img: Image.Image, d: ImageDraw.ImageDraw, eye: EyeShapes) -> None:
        if eye.opening is not None:
            def paint(pd: ImageDraw.ImageDraw, off: tuple[float, float]) -> None:
                s = self._scale
                ix, iy = eye.iris_xy[0] - off[0], eye.iris_xy[1] - off[1]
                pd.ellipse([(ix - eye.iris_r) * s, (iy - eye.iris_r) * s, (ix + eye.iris_r) * s,
                            (iy + eye.iris_r) * s], fill=IRIS)
                pd.ellipse([(ix - eye.pupil_r) * s, (iy - eye.pupil_r) * s, (ix + eye.pupil_r) * s,
                            (iy + eye.pupil_r) * s], fill=PUPIL)
            self._clipped(img, eye.opening, SCLERA, paint)
        d.line(self._xy(eye.crease), fill=_mix(SKIN, LINE, 0.55), width=self._w(3), joint="curve")
        d.line(self._xy(eye.lower), fill=_mix(SKIN, LID, 0.45), width=self._w(3), joint="curve")
        d.line(self._xy(eye.upper), fill=LID, width=self._w(7 if eye.closed else 6), joint="curve")
        if eye.closed:  # lashes pointing down on a shut lid
            for x, y in eye.upper[3:-3:3]:
                d.line(self._xy(np.array([[x, y], [x + (x - eye.upper[8, 0]) * 0.12, y + 12]])), fill=LID,
                       width=self._w(3))
        if eye.squint_line is not None:
            d.line(self._xy(eye.squint_line), fill=_mix(SKIN, LINE, 0.6), width=self._w(3), joint="curve")

    def _mouth(self, img: Image.Image, d: ImageDraw.ImageDraw, m: MouthShapes) -> None:
        if m.interior is not None:
            def paint(pd: ImageDraw.ImageDraw, off: tuple[float, float]) -> None:
                o = np.array(off)
                tx, ty, trx, try_ = m.tongue
                self._ellipse(pd, tx - o[0], ty - o[1], trx, try_, TONGUE)
                pd.polygon(self._xy(m.teeth_lower - o), fill=TEETH)
                pd.polygon(self._xy(m.teeth_upper - o), fill=TEETH)
            self._clipped(img, m.interior, INTERIOR, paint)
        d.polygon(self._xy(m.upper_lip), fill=LIPS)
        d.polygon(self._xy(m.lower_lip), fill=_mix(LIPS, (255, 255, 255), 0.08))
        d.line(self._xy(m.seam), fill=LIP_EDGE, width=self._w(4 if m.interior is None else 2), joint="curve")
        if m.tongue_out is not None:
            x, y, rx, ry = m.tongue_out
            self._ellipse(d, x, y, rx, ry, TONGUE)

    def _caption(self, d: ImageDraw.ImageDraw, text: str) -> None:
        if text and self.options.caption:
            s = self._scale
            d.text((20 * s, 975 * s), text, fill=TEXT, font=self._font, anchor="ls")

    # -- public ------------------------------------------------------------------
    def render_shapes(self, shapes: FaceShapes, caption: str = "") -> Image.Image:
        """One frame as a Pillow RGB image of ``size_px`` squared.

        The image is this renderer's reusable frame buffer: it is valid until the next call
        (copy it to keep it; :meth:`render_frame` returns a copy as an array)."""
        img = self._frame
        img.paste(self._base)
        d = ImageDraw.Draw(img)
        self._head(d, shapes)
        for x, y, rx, ry, strength in shapes.cheeks:
            self._ellipse(d, x, y, rx, ry, _mix(SKIN, BLUSH, 0.12 + 0.5 * strength))
        for pts, strength in shapes.lines:
            d.line(self._xy(pts), fill=_mix(SKIN, LINE, 0.15 + 0.6 * strength), width=self._w(3), joint="curve")
        d.line(self._xy(shapes.nose), fill=_mix(SKIN, LINE, 0.5), width=self._w(3), joint="curve")
        for x, y, rx, ry in shapes.nostrils:
            self._ellipse(d, x, y, rx, ry, _mix(SKIN, LINE, 0.8))
        for eye in shapes.eyes:
            self._eye(img, d, eye)
        for brow in shapes.brows:
            d.line(self._xy(brow), fill=BROW, width=self._w(15), joint="curve")
        self._mouth(img, d, shapes.mouth)
        self._caption(d, caption)
        if self.options.supersample > 1:
            img = img.reduce(self.options.supersample)
        return img

    def render_image(self, params: FaceParams, t: int, caption: str = "") -> Image.Image:
        """Frame ``t`` of ``params`` as a Pillow RGB image (cheapest form to compose and encode;
        valid until this renderer's next call)."""
        return self.render_shapes(face_shapes(params, t), caption)

    def render_frame(self, params: FaceParams, t: int, caption: str = "") -> np.ndarray:
        """Frame ``t`` of ``params`` as ``(size_px, size_px, 3)`` uint8."""
        return np.asarray(self.render_image(params, t, caption))

    def render_controls(self, frame: np.ndarray, caption: str = "") -> np.ndarray:
        """One frame of control values ``(174,)`` in rig order -> ``(size_px, size_px, 3)`` uint8."""
        return self.render_frame(FaceParams.from_frames(np.asarray(frame, dtype=np.float32).reshape(1, -1)), 0,
                                 caption)


class PanelCanvas:
    """A reusable video frame: an optional label header above ``num_panels`` face panels in a row."""

    def __init__(self, panel_px: int, num_panels: int, labels: list[str] | None = None):
        self.panel_px = panel_px
        header = label_strip(labels, panel_px) if labels else None
        self.header_px = 0 if header is None else header.shape[0]
        self.image = Image.new("RGB", (panel_px * num_panels, panel_px + self.header_px), BACKGROUND)
        if header is not None:
            self.image.paste(Image.fromarray(header), (0, 0))

    @property
    def size(self) -> tuple[int, int]:
        """(width_px, height_px)."""
        return self.image.size

    def compose(self, panels: list[Image.Image]) -> bytes:
        """Paste the panels and return the frame as raw ``rgb24`` bytes (height x width x 3)."""
        if len(panels) == 1 and self.header_px == 0:
            return panels[0].tobytes()
        for i, panel in enumerate(panels):
            self.image.paste(panel, (i * self.panel_px, self.header_px))
        return self.image.tobytes()


def label_strip(labels: list[str], panel_px: int) -> np.ndarray:
    """A ``(h, panel_px * len(labels), 3)`` uint8 header with one centred label per panel."""
    height = 2 * max(12, panel_px // 28)  # even, for 4:2:0 video
    img = Image.new("RGB", (panel_px * len(labels), height), (20, 22, 28))
    d = ImageDraw.Draw(img)
    font = ImageFont.load_default(size=int(height * 0.6))
    for i, text in enumerate(labels):
        d.text((panel_px * (i + 0.5), height / 2), text, fill=TEXT, font=font, anchor="mm")
    return np.asarray(img)

