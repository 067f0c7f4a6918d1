"""The committed stubs are exactly what proto/generate.py produces."""
from __future__ import annotations

import importlib.util
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]


def _generator():
    spec = importlib.util.spec_from_file_location("proto_generate", REPO / "proto" / "generate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_stubs_match_regeneration():
    gen = _generator()
    files = gen.generate()
    assert {"face_animation_pb2.py", "face_animation_pb2_grpc.py", "face_animation_pb2.pyi"} <= set(files)
    assert gen.stale(files) == [], "run python proto/generate.py and commit server/grpc/api"


def test_stale_detects_a_changed_stub(tmp_path):
    gen = _generator()
    files = gen.generate()
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    assert gen.stale(files, tmp_path) == []
    (tmp_path / "face_animation_pb2_grpc.py").write_text(files["face_animation_pb2_grpc.py"] + "# edited\n")
    assert gen.stale(files, tmp_path) == ["face_animation_pb2_grpc.py"]


def test_stubs_import_through_the_installed_package_path():
    text = (REPO / "server" / "grpc" / "api" / "face_animation_pb2_grpc.py").read_text()
    assert "from server.grpc.api import face_animation_pb2" in text
    assert "from emoface.v1" not in text
    from server.grpc.api import face_animation_pb2 as pb

    assert pb.DESCRIPTOR.package == "emoface.v1"
    assert [s.full_name for s in pb.DESCRIPTOR.services_by_name.values()] == ["emoface.v1.FaceAnimation"]
