"""Bearer tokens and TLS (with client certificates) on a real loopback server."""
from __future__ import annotations

import subprocess

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from emoface_testing import encode_audio, speechlike
from model.errors import InputError
from server.grpc.auth import Token, TokenStore, bearer
from server.grpc.client import FaceAnimationClient, ServiceError

AUDIO = encode_audio(speechlike(0.5), 16000)


@pytest.fixture
def token_file(tmp_path):
    path = tmp_path / "tokens"
    path.write_text("# service tokens\nsecret-animate\nsecret-reader info  # dashboards\n")
    return path


def test_token_store_parsing_and_constant_time_lookup(token_file, tmp_path):
    store = TokenStore.load(token_file)
    assert [t.scope for t in store.tokens] == ["animate", "info"]
    assert store.check("secret-reader") == Token(b"secret-reader", "info")
    assert store.check("secret") is None and store.check(None) is None
    assert bearer((("authorization", "Bearer abc"),)) == "abc" and bearer((("authorization", "Basic x"),)) is None
    env_store = TokenStore.load(token_env="MY_TOKEN", environ={"MY_TOKEN": "from-env\n"})
    assert env_store.check("from-env").scope == "animate"
    bad = tmp_path / "bad"
    bad.write_text("tok admin\n")
    with pytest.raises(InputError, match="SCOPE one of"):
        TokenStore.load(bad)
    with pytest.raises(InputError, match="not set"):
        TokenStore.load(token_env="MISSING_TOKEN", environ={})


def test_auth_codes(serve, token_file):
    _, address = serve(token_file=token_file)
    cases = [(None, grpc.StatusCode.UNAUTHENTICATED), ("wrong", grpc.StatusCode.UNAUTHENTICATED),
             ("secret-reader", grpc.StatusCode.PERMISSION_DENIED)]
    for token, code in cases:
        with FaceAnimationClient(address, token=token) as client:
            with pytest.raises(ServiceError) as err:
                client.animate(AUDIO)
            assert err.value.code == code
            with pytest.raises(ServiceError) as err:
                list(client.stream([b"\0\0"]))
            assert err.value.code == code
    with FaceAnimationClient(address, token="secret-reader") as client:
        assert len(client.info()["controls"]) == 174
    with FaceAnimationClient(address, token="secret-animate") as client:
        assert client.animate(AUDIO).num_frames == 30
        assert sum(len(b.frames) for b in client.stream([b"\0\0" * 8000])) == 30
    with grpc.insecure_channel(address) as ch:  # probes need no token
        reply = health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest(), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING


def test_auth_off_accepts_calls_without_token(server_address):
    with FaceAnimationClient(server_address) as client:
        assert client.animate(AUDIO).num_frames == 30


def _openssl(*args, cwd):
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=60)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    """A CA, a server certificate for 127.0.0.1 and a client certificate (EC P-256, PEM)."""
    d = tmp_path_factory.mktemp("pki")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=test-ca", cwd=d)
    for name, ext in (("server", "subjectAltName=IP:127.0.0.1,DNS:localhost"), ("client", "extendedKeyUsage=clientAuth")):
        _openssl("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", f"/CN={name}", cwd=d)
        (d / f"{name}.ext").write_text(ext + "\n")
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial",
                 "-out", f"{name}.pem", "-days", "2", "-extfile", f"{name}.ext", cwd=d)
    return d


def test_tls_with_client_certificates(serve, pki):
    _, address = serve(tls_cert=pki / "server.pem", tls_key=pki / "server.key", tls_client_ca=pki / "ca.pem")
    with FaceAnimationClient(address, root_cert=pki / "ca.pem", client_cert=pki / "client.pem",
                             client_key=pki / "client.key", timeout_s=30) as client:
        assert client.animate(AUDIO).num_frames == 30
    with FaceAnimationClient(address, root_cert=pki / "ca.pem", timeout_s=5) as client:  # no client certificate
        with pytest.raises(ServiceError) as err:
            client.info()
        assert err.value.code == grpc.StatusCode.UNAVAILABLE
    with FaceAnimationClient(address, timeout_s=5) as client:  # plaintext against TLS
        with pytest.raises(ServiceError):
            client.info()


def test_tls_allows_binding_beyond_loopback_config(pki):
    from server.grpc.service_config import ServiceConfig

    with pytest.raises(InputError, match="--insecure"):
        ServiceConfig(host="0.0.0.0")
    assert ServiceConfig(host="0.0.0.0", tls_cert=pki / "server.pem", tls_key=pki / "server.key",
                         tls_client_ca=pki / "ca.pem").tls


def test_tls_and_token_with_a_list_of_replicas(serve, pki, token_file):
    tls = dict(tls_cert=pki / "server.pem", tls_key=pki / "server.key", token_file=token_file)
    addresses = ",".join(serve(**tls)[1] for _ in range(2))  # the certificate names IP:127.0.0.1 and localhost
    for server_name in (None, "localhost"):  # None: the first address of the list is verified
        with FaceAnimationClient(addresses, root_cert=pki / "ca.pem", token="secret-animate", timeout_s=30,
                                 tls_server_name=server_name) as client:
            assert client.animate(AUDIO).num_frames == 30
    with FaceAnimationClient(addresses, root_cert=pki / "ca.pem", token="secret-animate", timeout_s=5,
                             tls_server_name="elsewhere.example") as client, pytest.raises(ServiceError) as err:
        client.info()
    assert err.value.code == grpc.StatusCode.UNAVAILABLE
