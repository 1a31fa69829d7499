# syntax=docker/dockerfile:1
# The one distribution of chengnuo (承诺). Every container runs this image; the command picks the role:
#   chengnuo serve commitment | serve verification | serve credit     (the three gRPC services)
#   chengnuo migrate                                                  (the Kubernetes migration Job)
# Build: docker build -t chengnuo:0.1.0 .      See deploy/k8s/README.md for running it.

# --- build: a virtualenv with chengnuo and its runtime dependencies, nothing else ---------------------
FROM python:3.11-slim-trixie AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
RUN python -m venv /opt/chengnuo
WORKDIR /src
# Only what the package is built from; .dockerignore keeps keys, data directories and venvs out too.
COPY pyproject.toml README.md ./
COPY chengnuo ./chengnuo
COPY services ./services
# A regular install without the `embedded` (PostgreSQL and NATS run elsewhere) and `dev` extras.
# Byte-compiled here because the runtime root filesystem is read-only; hash-checked pycs stay valid
# whatever timestamps the copy gives the sources. pip and setuptools are not needed to run.
RUN /opt/chengnuo/bin/pip install --no-compile . \
 && /opt/chengnuo/bin/python -m compileall -q --invalidation-mode unchecked-hash /opt/chengnuo/lib \
 && /opt/chengnuo/bin/python -m pip uninstall --yes pip setuptools

# --- runtime: the virtualenv on a clean base, run as an unprivileged user ------------------------------
FROM python:3.11-slim-trixie AS runtime
LABEL org.opencontainers.image.title="chengnuo" \
      org.opencontainers.image.description="Notification-commitment (告知承诺制) and credit supervision services" \
      org.opencontainers.image.licenses="Apache-2.0"
# A fixed numeric uid/gid so Kubernetes can verify runAsNonRoot; the base image's pip is not needed.
RUN groupadd --system --gid 10001 chengnuo \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin chengnuo \
 && python -m pip uninstall --yes pip setuptools wheel
COPY --from=build /opt/chengnuo /opt/chengnuo
ENV PATH=/opt/chengnuo/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /tmp
USER 10001:10001
ENTRYPOINT ["/opt/chengnuo/bin/chengnuo"]
CMD ["--help"]
