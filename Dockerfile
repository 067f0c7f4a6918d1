# EmoFace Bridge gRPC service (`emoface serve`) on CPU PyTorch. docs/deployment.md says how to build,
# run and deploy it; tests/deploy/test_image.py checks this file (and lints it with hadolint).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

# The CPU build of PyTorch first (no CUDA libraries), so the project's torch==2.13.0 is already met.
RUN pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu

WORKDIR /opt/emoface
COPY pyproject.toml README.md ./
COPY model ./model
COPY postfx ./postfx
COPY server ./server
COPY training ./training
COPY proto ./proto
RUN pip install . && rm -rf /opt/emoface/build

# Bind every interface in the container. The service still refuses to start until the operator
# chooses TLS (EMOFACE_TLS_CERT/KEY) or EMOFACE_INSECURE=1, and authentication (tokens,
# client certificates or EMOFACE_ALLOW_UNAUTHENTICATED_NETWORK=1): see docs/service.md, Security.
ENV EMOFACE_HOST=0.0.0.0 \
    EMOFACE_PORT=50051
EXPOSE 50051

RUN useradd --system --uid 10001 --user-group --no-create-home --home-dir /nonexistent emoface
USER 10001:10001

ENTRYPOINT ["emoface", "serve"]
