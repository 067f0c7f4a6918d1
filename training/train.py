"""Train EmoFace on a corpus with phonetic-teacher targets (``emoface train CONFIG.json``).

The `small` config keeps the pretrained Whisper tiny.en encoder frozen: its features are
computed once and cached, and only the layers above it are trained. The `paper` config freezes
wav2vec2's CNN front end as the paper does: the CNN's features are cached and wav2vec2's
projection and transformer train with the rest (from ``encoder_weights``, a local wav2vec2-base
directory, or from random weights). The recipe follows the paper (Adam, StepLR step 100 gamma 0.995, MSE) with an optional velocity loss, random crops,
validation on the held-out split, resumable state and a seeded run.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch

from model.checkpoint import new_model, save_checkpoint
from model.config import EmoFaceConfig
from model.convert import hf_encoder_config, load_hf_audio_encoder
from model.errors import CheckpointError, InputError
from model.files import atomic_path
from model.network import EmoFace
from model.rig import GROUPS, UnknownControlError, rig
from training.dataset import load_split
from training.features import cached_features
from training.targets import Variant, variants_for

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainConfig:
    """corpus: corpus-factory folder; out: run folder (state, checkpoint, log); preset: model config;
    minutes: wall-clock budget; batch_size, crop_frames: crops per step and their maximum length;
    lr: Adam learning rate; step_size, gamma: StepLR (paper: 100, 0.995); velocity_weight: weight of
    the frame-difference loss (0 = paper); variants: emotion variants per utterance; seed; cache_dir:
    feature cache; eval_every: steps between validations; name: model name in the checkpoint;
    control_weights: loss weight per control or group name (others 1), e.g. the lipsTogether
    controls, whose short closures plain MSE under-weights; max_steps: stop after this many steps
    even if minutes remain (reproducible runs on a busy machine; None = time only);
    encoder_weights: local Hugging Face wav2vec2/Whisper directory whose weights (and shape)
    the speech encoder starts from (``paper``: wav2vec2-base; None = the packaged Whisper tiny.en
    for ``small``, random for ``paper``); model_overrides: EmoFaceConfig fields changed from the
    preset (e.g. a smaller ``paper`` for a quick run); init_checkpoint: a checkpoint of the same
    configuration whose weights the run starts from (fine-tuning a shipped model on a new corpus or
    new targets; None = fresh weights from ``seed``)."""

    corpus: str
    out: str
    preset: str = "small"
    minutes: float = 20.0
    batch_size: int = 16
    crop_frames: int = 240
    lr: float = 1e-3
    step_size: int = 100
    gamma: float = 0.995
    velocity_weight: float = 0.5
    variants: int = 4
    seed: int = 0
    cache_dir: str = ".emoface_cache/features"
    eval_every: int = 200
    name: str = "emoface-small"
    control_weights: dict[str, float] = field(default_factory=dict)
    max_steps: int | None = None
    encoder_weights: str | None = None
    model_overrides: dict[str, Any] = field(default_factory=dict)
    init_checkpoint: str | None = None

    @classmethod
    def load(cls, path: str | Path, **overrides: Any) -> TrainConfig:
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise InputError(f"cannot read training config {path}: {exc}") from None
        unknown = set(data) - {f.name for f in fields(cls)}
        if unknown:
            raise InputError(f"unknown training config field(s): {', '.join(sorted(unknown))}")
        return cls(**{**data, **{k: v for k, v in overrides.items() if v is not None}})


def _batch(rng, pool: list[tuple[np.ndarray, Variant]], cfg: TrainConfig):
    picks = [pool[int(i)] for i in rng.integers(0, len(pool), cfg.batch_size)]
    length = min(cfg.crop_frames, min(len(f) for f, _ in picks))
    feats, w, i, y = [], [], [], []
    for f, v in picks:
        s = int(rng.integers(0, len(f) - length + 1))
        feats.append(f[s : s + length]), w.append(v.weights[s : s + length])
        i.append(v.intensity[s : s + length]), y.append(v.targets[s : s + length])
    as_t = lambda xs: torch.from_numpy(np.stack(xs).astype(np.float32))  # noqa: E731
    return as_t(feats), as_t(w), as_t(i), as_t(y)


def control_weight_vector(control_weights: dict[str, float]) -> torch.Tensor:
    """(174,) loss weights: 1, or the weight given for a control or its group (names win over groups)."""
    w = np.ones(len(rig().names), np.float32)
    for key in sorted(control_weights, key=lambda k: k.strip().lower() not in GROUPS):
        try:
            w[rig().select([key])] = float(control_weights[key])
        except UnknownControlError as exc:
            raise InputError(f"control_weights: {exc}") from None
    return torch.from_numpy(w)


def loss_fn(pred: torch.Tensor, target: torch.Tensor, velocity_weight: float,
            weights: torch.Tensor | None = None) -> torch.Tensor:
    """MSE (+ velocity MSE) over (B, T, 174); ``weights`` (174,) scale each control's squared error."""
    w = torch.ones(pred.shape[-1]) if weights is None else weights
    loss = torch.mean((pred - target) ** 2 * w)
    if velocity_weight:
        loss = loss + velocity_weight * torch.mean((pred.diff(dim=1) - target.diff(dim=1)) ** 2 * w)
    return loss


@torch.no_grad()
def validate(model, val: list[tuple[np.ndarray, Variant]]) -> float:
    model.eval()
    errs = []
    for f, v in val:
        pred = model.forward_from_frozen(*(torch.from_numpy(x.astype(np.float32))[None]
                                           for x in (f, v.weights, v.intensity)))[0]
        errs.append(np.abs(pred.numpy() - v.targets.astype(np.float32)).mean())
    model.train()
    return float(np.mean(errs))


def prepare(cfg: TrainConfig, model) -> tuple[list, list, dict]:
    train_utts, val_utts = load_split(cfg.corpus, "train"), load_split(cfg.corpus, "val")
    if not train_utts or not val_utts:
        raise InputError(f"{cfg.corpus} needs both train and val utterances")
    feats = cached_features(model, train_utts + val_utts, Path(cfg.cache_dir))
    from tqdm import tqdm

    train = [_aligned(feats[u.utt_id], v) for u in tqdm(train_utts, desc="targets", unit="utt")
             for v in variants_for(u, cfg.variants, cfg.seed)]
    val = [_aligned(feats[u.utt_id], v) for u in val_utts for v in variants_for(u, 2, cfg.seed + 1)]
    data = {"corpus": str(cfg.corpus), "train_utterances": len(train_utts), "val_utterances": len(val_utts),
            "train_audio_s": round(sum(u.num_frames for u in train_utts) / 60, 1),
            "val_audio_s": round(sum(u.num_frames for u in val_utts) / 60, 1),
            "voices": sorted({u.voice for u in train_utts}),
            "val_voices": sorted({u.voice for u in val_utts})}
    return train, val, data


def _aligned(feats: np.ndarray, v: Variant) -> tuple[np.ndarray, Variant]:
    """Trim features and targets to their common length (a take's CSV may run a frame past its audio)."""
    n = min(len(feats), len(v.targets))
    return feats[:n], Variant(v.weights[:n], v.intensity[:n], v.targets[:n], v.label)


def train(cfg: TrainConfig, command: str | None = None) -> Path:
    """Run training within ``cfg.minutes``; write ``OUT/model.safetensors``; return its path.
    ``command`` (the command line that ran it) goes into the checkpoint's provenance."""
    torch.manual_seed(cfg.seed)
    out = Path(cfg.out)
    out.mkdir(parents=True, exist_ok=True)
    model = build_model(cfg)
    train_set, val_set, data = prepare(cfg, model)
    opt = torch.optim.Adam(model.trainable_parameters(), lr=cfg.lr)
    sched = torch.optim.lr_scheduler.StepLR(opt, cfg.step_size, cfg.gamma)
    step, history = _resume(out, model, opt, sched)
    weights = control_weight_vector(cfg.control_weights)
    model.train()
    start = time.monotonic()
    from tqdm import tqdm

    bar = tqdm(total=cfg.max_steps, initial=step, desc="train", unit="step")
    while time.monotonic() - start < cfg.minutes * 60 and (cfg.max_steps is None or step < cfg.max_steps):
        f, w, i, y = _batch(np.random.default_rng([cfg.seed, step]), train_set, cfg)  # a step's batch: (seed, step)
        loss = loss_fn(model.forward_from_frozen(f, w, i), y, cfg.velocity_weight, weights)
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.trainable_parameters(), 1.0)
        opt.step()
        sched.step()
        step += 1
        bar.update(1)
        if step % cfg.eval_every == 0:
            val_mae = validate(model, val_set)
            history.append({"step": step, "loss": loss.item(), "val_mae": val_mae,
                            "minutes": round((time.monotonic() - start) / 60, 2)})
            log.info("step %d loss %.5f val MAE %.5f", step, loss.item(), val_mae)
            bar.set_postfix(loss=f"{loss.item():.5f}", val_mae=f"{val_mae:.5f}")
            tqdm.write(json.dumps(history[-1]))
            _save_state(out, model, opt, sched, step, history)
    bar.close()
    _save_state(out, model, opt, sched, step, history)
    final_mae = validate(model, val_set)
    meta = {"name": cfg.name, "trained": True,
            "training": {**asdict(cfg), "steps": step, "wall_minutes": round((time.monotonic() - start) / 60, 1),
                         "history": history[-20:]},
            "data": data, "metrics": {"val_mae_vs_teacher": round(final_mae, 5)},
            "provenance": {"trained_on": f"synthetic speech ({', '.join(data['voices'])}) with phonetic-teacher targets",
                           "command": command or f"emoface train {cfg.out}/config.json"}}
    path = save_checkpoint(model.eval(), out / "model.safetensors", meta, half=True)
    log.info("wrote %s (val MAE %.5f)", path, final_mae)
    return path


def build_model(cfg: TrainConfig) -> EmoFace:
    """The network to train: preset + overrides, encoder from ``encoder_weights`` or packaged weights."""
    try:
        config = EmoFaceConfig.preset(cfg.preset).replace(**cfg.model_overrides)
        if cfg.encoder_weights:
            config = hf_encoder_config(cfg.encoder_weights, config)
    except (TypeError, CheckpointError) as exc:
        raise InputError(f"training config: {exc}") from None
    if config.freeze_audio_encoder is False and not config.freeze_feature_extractor:
        raise InputError("training caches the frozen front end: freeze at least the CNN (freeze_feature_extractor)")
    if config.audio_encoder == "whisper" and not config.freeze_audio_encoder:
        raise InputError("a partly trainable Whisper encoder is not supported: freeze it (freeze_audio_encoder)")
    model = new_model(config, pretrained_encoder=cfg.encoder_weights is None, seed=cfg.seed)
    if cfg.encoder_weights:
        load_hf_audio_encoder(model, cfg.encoder_weights)
    if cfg.init_checkpoint:
        _start_from(model, config, cfg.init_checkpoint)
    elif config.audio_encoder == "wav2vec2" and not cfg.encoder_weights:
        log.warning("no encoder_weights: the wav2vec2 encoder starts from random weights (give a local "
                    "wav2vec2-base directory for the paper's setting)")
    return model


def _start_from(model: EmoFace, config: EmoFaceConfig, path: str) -> None:
    """Copy the weights of checkpoint ``path`` (same configuration) into ``model``."""
    from model.checkpoint import load_model

    try:
        src = load_model(path)
    except (OSError, CheckpointError) as exc:
        raise InputError(f"init_checkpoint: {exc}") from None
    if src.config != config:
        raise InputError(f"init_checkpoint {path} has another configuration than this run's preset")
    model.load_state_dict(src.model.state_dict())
    log.info("starting from %s (%s)", path, src.model_id)


def _save_state(out: Path, model, opt, sched, step: int, history: list) -> None:
    """``train_state.pt``, written atomically: weights, optimiser, scheduler, step and torch's RNG."""
    with atomic_path(out / "train_state.pt") as tmp:
        torch.save({"model": model.state_dict(), "opt": opt.state_dict(), "sched": sched.state_dict(),
                    "step": step, "history": history, "torch_rng": torch.get_rng_state()}, tmp)


def _resume(out: Path, model, opt, sched) -> tuple[int, list]:
    """Restore ``train_state.pt`` if present; batches depend only on (seed, step), so a resumed run
    continues exactly where the saved one was."""
    state_path = out / "train_state.pt"
    if not state_path.exists():
        return 0, []
    state = torch.load(state_path, map_location="cpu", weights_only=True)
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["opt"])
    sched.load_state_dict(state["sched"])
    if "torch_rng" in state:
        torch.set_rng_state(state["torch_rng"])
    log.info("resumed from step %d", state["step"])
    return int(state["step"]), list(state["history"])
