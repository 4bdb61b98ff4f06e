# The API image (also the worker, the migration Job and the tunnel relay: deploy/). Multi-stage:
# build with the dev dependencies, prune them, copy what runs into a slim image run as `node`.
# Build: docker build -t fixbazaar/api:<tag> .
FROM node:24-bookworm-slim AS build
WORKDIR /app
# argon2's native module builds when no prebuilt binary fits.
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json .npmrc ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json nest-cli.json ormconfig.ts ./
COPY src src
COPY tunnel tunnel
COPY scripts scripts
COPY migrations migrations
COPY ledger-spec ledger-spec
COPY test/bench test/bench
COPY test/support test/support
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# Owned by root, read-only to the process; the app writes only to /tmp and its outbox (mounted).
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/ledger-spec ./ledger-spec
USER node
EXPOSE 3000
CMD ["node", "dist/src/main.js"]
