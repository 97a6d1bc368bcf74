# Galaxy Chat — one Node process. Build: docker build -t galaxy-chat .
# Run:   docker compose up (behind nginx; see docs/deployment.md). tests/deploy/dockerfile.test.ts
# checks this file's rules: base images pinned to an exact version, non-root USER, a HEALTHCHECK,
# and no secrets in ENV or ARG (keys come from the environment at run time).
FROM node:20.20.2-bookworm-slim AS build
WORKDIR /app
# Native modules (better-sqlite3) build against Node's headers when no prebuilt binary is reachable.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY server ./server
RUN npm run build && npm prune --omit=dev

FROM node:20.20.2-bookworm-slim
# util-linux provides `unshare`, which gives the Python sandbox its own empty network namespace
# (the container must allow user namespaces; /ready reports the isolation level in force).
RUN apt-get update && apt-get install -y --no-install-recommends util-linux tini && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8000 LOGS_DIR=/app/logs DATA_DIR=/app/data
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json system_prompt.md ./
COPY config ./config
COPY static ./static
# The only writable places: volumes in compose and Kubernetes, so the root filesystem can be read-only.
RUN mkdir -p logs data && chown -R node:node logs data
USER node
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# tini forwards SIGTERM so the server shuts down gracefully (drains turns, flushes transcripts).
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "dist/server/main.js"]
