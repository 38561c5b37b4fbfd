# syntax=docker/dockerfile:1
#
# Panelist image: one image for the web process (default CMD), the worker
# (`node dist/src/worker-main.js`) and migrations (`node dist/src/migrate-main.js`).
# See docker-compose.yml for all three wired to Postgres and Redis.

# ---- build: install every dependency and compile TypeScript to dist/ ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY blocks ./blocks
COPY jobs ./jobs
COPY migrations ./migrations
# Emits dist/src/main.js, dist/src/worker-main.js, dist/src/migrate-main.js, dist/blocks,
# dist/jobs and dist/migrations/*.js (found at run time relative to dist/src/db/migrate.js).
RUN npm run build

# ---- runtime: production dependencies and the compiled output only ----
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN --mount=type=cache,target=/root/.npm npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/dist ./dist
# Files stay owned by root (read-only to the app); the process runs unprivileged.
USER node
EXPOSE 3000
# 200 only when Postgres and Redis answer (GET /healthz). The worker and migrate containers
# serve no HTTP, so docker-compose.yml disables this check for them.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "dist/src/main.js"]
