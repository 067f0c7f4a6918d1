"""Real references: measure the model against real recordings instead of its own teacher.

- :mod:`training.realref.lag`: Pearson r at zero lag and the best lag between two per-frame curves;
- :mod:`training.realref.aperture`: inner-lip aperture from dlib's 68 landmarks;
- :mod:`training.realref.talking_faces`: talking-face video -> audio + per-frame lip aperture;
- :mod:`training.realref.facegood`: FACEGOOD artist-solved takes and their mouth-opening channel;
- :mod:`training.realref.keyed_takes`: EmoFace-layout takes, per-control correlation and lag;
- :mod:`training.realref.pauses` and :mod:`training.realref.rest`: the jaw in silence and in pauses;
- :mod:`training.realref.report`: everything for one checkpoint, as a dict and as text.

Importing a module does no work; the heavy dependencies (PyAV, dlib, torch) load when used.
"""
