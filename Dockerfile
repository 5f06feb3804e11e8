# syntax=docker/dockerfile:1
#
# The kos_exporter image for those who build with Docker (BuildKit). `make
# image` builds the same image without Docker (tools/image); a test there
# fails when this file and that builder differ in any file, mode, setting or
# label. From the repository root:
#
#   V=$(git describe --tags --always --dirty | sed 's/^v//')
#   T=$(git log -1 --format=%ct)
#   docker buildx build --platform linux/amd64,linux/arm64 \
#     --build-arg VERSION=$V --build-arg REVISION=$(git rev-parse HEAD) \
#     --build-arg CREATED=$(date -u -d @$T +%Y-%m-%dT%H:%M:%SZ) \
#     --build-arg SOURCE_DATE_EPOCH=$T \
#     -t ghcr.io/kos-ops/kos_exporter:$V .

FROM --platform=$BUILDPLATFORM golang:1.26.8 AS build
ARG TARGETARCH
ARG VERSION=dev
ARG REVISION=unknown
WORKDIR /src
COPY . .
# The static binaries as every release builds them, then the image's files
# laid out by the same code as `make image` (users, CA bundle, config,
# licence).
RUN make release-bins ARCHES=$TARGETARCH VERSION=$VERSION REVISION=$REVISION \
 && go -C tools/image run . --rootfs /rootfs --arch $TARGETARCH \
      --bin-dir /src/dist/bin --repo /src

FROM scratch
ARG VERSION=dev
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
COPY --from=build --chmod=0755 /rootfs/bin/kos_exporter /bin/kos_exporter
COPY --from=build --chmod=0755 /rootfs/bin/kos_report /bin/kos_report
COPY --from=build --chmod=0644 /rootfs/etc/kos_exporter/collectors.yaml /etc/kos_exporter/collectors.yaml
COPY --from=build --chmod=0644 /rootfs/etc/kos_exporter/collectors-live.yaml /etc/kos_exporter/collectors-live.yaml
COPY --from=build --chmod=0644 /rootfs/etc/passwd /etc/passwd
COPY --from=build --chmod=0644 /rootfs/etc/group /etc/group
COPY --from=build --chmod=0644 /rootfs/etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build --chmod=0644 /rootfs/usr/share/doc/kos_exporter/LICENSE /usr/share/doc/kos_exporter/LICENSE
COPY --from=build --chmod=0644 /rootfs/usr/share/doc/kos_exporter/NOTICE /usr/share/doc/kos_exporter/NOTICE
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
USER 65534:65534
WORKDIR /
EXPOSE 9847/tcp
ENTRYPOINT ["/bin/kos_exporter"]
CMD ["--config.file=/etc/kos_exporter/collectors.yaml"]
LABEL org.opencontainers.image.title="kos_exporter" \
      org.opencontainers.image.description="Prometheus exporter turning SQL collectors into metrics for a carrier's order and activation system (KOS), with the kos_report hourly table." \
      org.opencontainers.image.source="https://github.com/kos-ops/kos_exporter" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}"
