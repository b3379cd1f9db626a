# syntax=docker/dockerfile:1
#
# spillway as a static binary on distroless: `spillway serve` (the kube-scheduler
# extender, docs/extender.md) by default, and every other subcommand too.
#
#   docker build -t spillway .
#   docker build --build-arg FEATURES=spillway-extender/kube -t spillway:kube .   # watcher + API binding
#   docker run --rm -p 8888:8888 -v "$PWD/config.yaml:/etc/spillway/config.yaml:ro" spillway
#
# The binary is linked statically against musl, so the final image holds
# nothing but it (and distroless's CA certificates, passwd and tzdata).

ARG RUST_IMAGE=rust:1-bookworm

FROM ${RUST_IMAGE} AS builder
# Extra Cargo features, e.g. spillway-extender/kube (comma-separated).
ARG FEATURES=""
ARG TARGET=x86_64-unknown-linux-musl
RUN apt-get update \
 && apt-get install -y --no-install-recommends musl-tools \
 && rm -rf /var/lib/apt/lists/* \
 && rustup target add "${TARGET}"
# ring (rustls's crypto) compiles C and assembly: use musl's gcc wrapper for it.
# The workspace's release profile keeps line tables for profiling; the image
# does not need them (150 MB with them, 26 MB stripped).
ENV CC_x86_64_unknown_linux_musl=musl-gcc \
    CARGO_PROFILE_RELEASE_DEBUG=false \
    CARGO_PROFILE_RELEASE_STRIP=symbols
WORKDIR /src
COPY . .
# Cache mounts keep the registry and the build between image builds; the
# binary is copied out of the cached target folder in the same step.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --target "${TARGET}" -p spillway-cli \
        ${FEATURES:+--features "${FEATURES}"} \
 && mkdir -p /out \
 && cp "target/${TARGET}/release/spillway" /out/spillway

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=builder /out/spillway /spillway
# distroless's nonroot user, by number: Kubernetes' runAsNonRoot can only
# verify a numeric user.
USER 65532:65532
EXPOSE 8888
ENTRYPOINT ["/spillway"]
CMD ["serve", "--listen", "0.0.0.0:8888", "--config", "/etc/spillway/config.yaml"]
