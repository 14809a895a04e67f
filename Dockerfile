# Runs seedbed's tasks in a container: docker build -t seedbed . && docker run --rm -e DATABASE_URL=... seedbed
# With DATABASE_URL set the embedded PostgreSQL is never started, so the image needs no server.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY patches ./patches
RUN npm ci --omit=dev --no-audit --no-fund
COPY tasks.ts tsconfig.json ./
COPY lib ./lib
COPY examples ./examples
COPY seeds ./seeds
COPY schema ./schema
USER node
ENTRYPOINT ["npx", "tsx", "tasks.ts"]
CMD ["seed"]
