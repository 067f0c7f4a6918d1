"""Generated gRPC stubs of the ``emoface.v1`` API (from ``proto/``; run ``proto/generate.py``).

``face_animation_pb2`` holds the messages, ``face_animation_pb2_grpc`` the service stub
and servicer base. Do not edit the ``*_pb2*`` files by hand.
"""
