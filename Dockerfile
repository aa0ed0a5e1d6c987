# syntax=docker/dockerfile:1
#
# tkeops container image: a static binary on distroless/static (CA certificates,
# /etc/passwd with the nonroot user, nothing else), running `tkeops serve`.
#
#   docker build --build-arg VERSION=$(git describe --tags --always) -t tkeops .
#   docker buildx build --platform linux/amd64,linux/arm64 --build-arg VERSION=... -t REPO/tkeops:TAG --push .
#
# Needs BuildKit (the default builder since Docker 23).
#
# The RUN line with `go build` is the single source of the release build flags:
# deploy/image_test.go parses it, runs the same command on the host and checks
# that the result is a static ELF binary. Keep the command on one RUN line.

ARG GO_VERSION=1.26

# The build stage runs on the builder's own platform and cross-compiles (no
# emulation); BuildKit sets TARGETOS/TARGETARCH from --platform.
FROM --platform=$BUILDPLATFORM golang:${GO_VERSION}-bookworm AS build
WORKDIR /src
# Dependencies first, so source edits do not invalidate the module download layer.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
ARG TARGETOS
ARG TARGETARCH
RUN CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} GOFLAGS=-buildvcs=false go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/tkeops ./cmd/tkeops
# The default dataDir of tkeops serve; the final stage has no shell to create it.
RUN mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/tkeops /usr/local/bin/tkeops
# Numeric, so Kubernetes can verify runAsNonRoot without reading /etc/passwd.
USER 65532:65532
# The git cache and run history live here, writable by the user even without a
# volume (Kubernetes mounts one over it; the chart and manifests do).
COPY --from=build --chown=65532:65532 /out/data /var/lib/tkeops
WORKDIR /var/lib/tkeops
ENTRYPOINT ["/usr/local/bin/tkeops", "serve"]
