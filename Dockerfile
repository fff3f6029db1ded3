# Kestrel in a container: a build stage that runs the project's own scripts (the same ones CI
# runs) and a slim runtime stage with only the runtime libraries, a non-root user and a health
# check. deploy/docker-compose.yml runs it as the trading node and the dashboard.
#   docker build -t kestrel .
#   docker run --rm kestrel --help
# There is no container engine on the project's build machines: this file is kept true by
# building with the same scripts CI runs (scripts/install-deps.sh, the release preset), and
# scripts/install-runtime-deps.sh lists what ldd shows the binaries need (docs/operations.md).

FROM debian:12 AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/install-deps.sh
COPY web/package.json web/package-lock.json web/
# The packages and the charting library first, so that a change to the code reuses this layer.
RUN bash scripts/install-deps.sh
COPY . .
RUN cmake --preset release \
 && ninja -C build/release kestrel kestrel-models kestrel-postgres kestrel-smtp \
 && mkdir -p /opt/kestrel/bin /opt/kestrel/lib/kestrel \
 && cp build/release/kestrel /opt/kestrel/bin/ \
 && cp build/release/kestrel-models.so build/release/kestrel-postgres.so build/release/kestrel-smtp.so \
       /opt/kestrel/lib/kestrel/

FROM debian:12-slim AS runtime
COPY scripts/install-runtime-deps.sh /tmp/install-runtime-deps.sh
RUN bash /tmp/install-runtime-deps.sh && rm -rf /var/lib/apt/lists/* /tmp/install-runtime-deps.sh \
 && useradd --system --create-home --home-dir /var/lib/kestrel --shell /usr/sbin/nologin kestrel
# The executable finds its modules in ../lib/kestrel beside it (core/loadable_module.hpp).
COPY --from=build /opt/kestrel /opt/kestrel
COPY configs /opt/kestrel/configs
COPY data/sample /opt/kestrel/data/sample
ENV PATH=/opt/kestrel/bin:$PATH
USER kestrel
WORKDIR /var/lib/kestrel
EXPOSE 8080
# The dashboard's /health (200 while the journal can be read and has a run); the node's
# container overrides it in deploy/docker-compose.yml.
HEALTHCHECK --interval=30s --timeout=10s --start-period=30s --retries=3 \
  CMD ["kestrel", "health", "--url", "http://127.0.0.1:8080/health"]
ENTRYPOINT ["kestrel"]
CMD ["--help"]
