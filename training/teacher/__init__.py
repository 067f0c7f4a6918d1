"""The phonetic teacher: phoneme timings + an emotion track -> the 174 face-board controls
at 60 fps, the training target of the default model.

    from training.teacher import animate_phones
    frames = animate_phones(phones, EmotionTrack.parse("happy:0.6"), num_frames, seed=0)

Modules: ``visemes`` (per-phone articulation targets and dominance), ``coarticulation``
(dominance blending and contacts), ``expressions`` (action units, 7 emotions, onsets),
``variation`` (seeded micro-motion), ``animate`` (the entry point). See docs/teacher.md.
"""
from training.teacher.animate import Teacher, TeacherOptions, animate_phones

__all__ = ["Teacher", "TeacherOptions", "animate_phones"]
