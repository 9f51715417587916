# Spanhouse collector image. Build: docker build -t spanhouse .
# Run:   docker run -p 4318:4318 -p 4317:4317 -v spanhouse-data:/data \
#          -e SPANHOUSE_ADMIN_KEY="$(npx spanhouse keys generate)" spanhouse
# (not built by CI: there is no Docker engine there; the package it installs is checked by
# scripts/check-package.mjs.)

# 1. Build: install everything, build the UI and the collector, pack the collector.
FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY . .
RUN npm ci --no-audit --no-fund \
 && npm pack -w collector --pack-destination /tmp

# 2. Run: the packed collector alone (its production dependencies), as a non-root user.
FROM node:22-bookworm-slim
RUN groupadd --system spanhouse && useradd --system --gid spanhouse --home-dir /data spanhouse \
 && mkdir /data && chown spanhouse:spanhouse /data
COPY --from=build /tmp/spanhouse-collector-*.tgz /tmp/
RUN npm install --global --omit=dev --no-audit --no-fund /tmp/spanhouse-collector-*.tgz && rm /tmp/spanhouse-collector-*.tgz
USER spanhouse
WORKDIR /data
# Listens on every interface; it starts only with an API key: SPANHOUSE_ADMIN_KEY (an admin
# key of tenant "default", registered at first start) or keys already in /data.
ENV SPANHOUSE_HOST=0.0.0.0 \
    SPANHOUSE_DATA_DIR=/data \
    NODE_ENV=production
VOLUME ["/data"]
EXPOSE 4318 4317
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:4318/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["spanhouse", "serve"]
