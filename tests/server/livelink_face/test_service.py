"""`emoface serve --livelink-face`: a real service on loopback; a gRPC line named for a subject
arrives as Live Link Face packets equal to the mapped frames the gRPC call returned."""
import numpy as np

from emoface_testing import encode_audio, speechlike
from model.emotion import EmotionTrack
from server.grpc.app import create_server
from server.grpc.client import FaceAnimationClient
from server.grpc.service_config import ServiceConfig
from server.livelink_face.mapping import to_arkit
from server.livelink_face.packet import decode_packet
from server.runtime.options import RequestOptions


def test_grpc_line_on_a_subject_arrives_as_packets(pipeline, receiver):
    config = ServiceConfig(port=0, grace_s=1.0, livelink_face=f"127.0.0.1:{receiver.port}")
    server, port = create_server(config, pipeline)
    server.start()
    try:
        with FaceAnimationClient(f"127.0.0.1:{port}") as client:
            anim = client.animate(encode_audio(speechlike(0.5, 16000, seed=4), 16000), EmotionTrack.parse("sad:0.5"),
                                  RequestOptions(seed=9), livelink_subject="Hero")
        packets = [decode_packet(p) for p in receiver.wait_for(anim.num_frames + 1)]
    finally:
        server.stop(0).wait(10)
    assert anim.num_frames == 30
    assert len(packets) == 31 and {p.subject for p in packets} == {"Hero"}
    assert np.allclose(np.stack([p.values for p in packets[:-1]]), to_arkit(anim.full()), atol=1e-6)
    assert not packets[-1].values.any()
    numbers = [p.frame_time.frame for p in packets]
    assert all((b - a) % (86_400 * 60) == 1 for a, b in zip(numbers, numbers[1:]))
