// Generated from the top-level Dockerfile by scripts/gen-dockerfile-template.sh: do not edit.
extension ProjectTemplates {
    /// `Dockerfile`: the repository's top-level Dockerfile, byte for byte (without its final newline).
    static let dockerfile = #"""
        # syntax=docker/dockerfile:1
        # Faramesh gatekeeper image. Build context: the faramesh source tree.
        #   docker build -t faramesh .
        # `faramesh init-docker` writes this same file: Sources/faramesh/Templates/DockerfileTemplate.swift is
        # generated from it by scripts/gen-dockerfile-template.sh (a test fails when the two differ).

        # --- build: the release binary exactly as CI builds it ----------------------------------------
        FROM swift:6.3-noble AS build
        WORKDIR /src
        COPY . .
        # scripts/build-release.sh: optimised, Swift runtime and Foundation linked statically; it prints
        # the binary's path. The SQL migrations are SwiftPM resource bundles that must sit next to it.
        RUN bin="$(bash scripts/build-release.sh)" \
         && mkdir -p /out \
         && cp "$bin" /out/faramesh \
         && cp -R "$(dirname "$bin")"/*.resources /out/ \
         && /out/faramesh --version

        # --- runtime: glibc, CA roots, time zones, libcurl (FoundationNetworking: mcp-proxy) ---------
        FROM ubuntu:24.04
        # Unpinned on purpose: the distribution's current security updates are wanted at every build.
        # hadolint ignore=DL3008
        RUN apt-get update \
         && apt-get install -y --no-install-recommends ca-certificates tzdata libcurl4t64 \
         && rm -rf /var/lib/apt/lists/* \
         && mkdir -p /data /app \
         && chown 10001:10001 /data \
         && chmod 0700 /data \
         && ln -s /data /app/data \
         && ln -s /etc/faramesh/policies /app/policies
        # Binary, its migration bundles, and the web UI (embedded in the binary).
        COPY --from=build /out/ /usr/local/bin/
        COPY policies /etc/faramesh/policies
        COPY profiles /etc/faramesh/profiles
        # The only writable path: SQLite database and a generated ledger key when no key is given
        # (with PostgreSQL and FARAMESH_LEDGER_KEY nothing is written; the root filesystem may be read-only).
        # /app/data and /app/policies point here too, for `docker run -v ./data:/app/data -v ./policies:/app/policies`.
        VOLUME ["/data"]
        WORKDIR /data
        USER 10001:10001
        ENV FARAMESH_HOST=0.0.0.0 \
            FARAMESH_PORT=8000 \
            FARAMESH_POLICY_FILE=/etc/faramesh/policies/default.yaml \
            FARAMESH_SQLITE_PATH=/data/actions.db \
            FARAMESH_LEDGER_KEY_FILE=/data/ledger-signing.key
        EXPOSE 8000
        # SIGTERM: /ready turns false, open requests and event streams drain, the ledger seals what is left.
        STOPSIGNAL SIGTERM
        # /health over plain HTTP with bash's /dev/tcp: no curl in the image.
        HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
          CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${FARAMESH_PORT:-8000} && printf 'GET /health HTTP/1.1\\r\\nHost: localhost\\r\\nConnection: close\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
        ENTRYPOINT ["faramesh"]
        CMD ["serve"]
        """#
}
