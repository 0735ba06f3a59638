# One image for every IOC service: the container runs `ioc <command>`, e.g. `start gateway` (see docker-compose.yml).
# Node 22 LTS, pinned: Node 20 left support in April 2026 (development machines may still run 20.19+, package.json engines).
FROM node:22.20.0-bookworm-slim AS build
WORKDIR /app
COPY . .
RUN npm ci && npm run build && npm prune --omit=dev

FROM node:22.20.0-bookworm-slim
ENV NODE_ENV=production \
    IOC_DATA_DIR=/data \
    FFMPEG_PATH=/usr/bin/ffmpeg
# ffmpeg: the simulated cameras render video and the simulated speakers decode audio with it. Debian's (FFMPEG_PATH)
# rather than the npm install's static build, which cannot resolve host names (other containers are reached by name).
RUN apt-get update && apt-get install -y --no-install-recommends ffmpeg && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build --chown=node:node /app /app
RUN mkdir -p /data && chown node:node /data && chmod 0700 /data
VOLUME ["/data"]
USER node
EXPOSE 1883 8080
ENTRYPOINT ["npx", "ioc"]
CMD ["start"]
