# Runs the example project's tasks in a container: docker build -t seedbed . && docker run --rm -e DATABASE_URL=... seedbed
# Two stages: the first builds seedbed (dist/, with the patched postgres.js bundled); the second installs
# only runtime dependencies (`--omit=dev` leaves out embedded-postgres: an image seeds a real server).
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY patches ./patches
COPY scripts ./scripts
COPY lib ./lib
RUN npm ci --no-audit --no-fund

FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY --from=build /app/dist ./dist
COPY tasks.ts ./
COPY seeds ./seeds
COPY schema ./schema
USER node
# One process: node receives `docker stop`'s SIGTERM itself (no npx in between).
ENTRYPOINT ["node", "dist/cli/bin.js"]
CMD ["seed"]
