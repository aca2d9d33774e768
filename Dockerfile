# The service's image: `docker build -t emothumb .` (or `buildah bud --format docker -t emothumb .`).
# Everything comes from the npm registry and Debian's packages: node-av ships FFmpeg as a library,
# onnxruntime-node and the face models ship in their npm packages. scripts/container-test.sh builds
# it, runs it and measures it (README, "Container").
#
# Two stages: the build stage has a compiler (better-sqlite3 compiles itself when its prebuilt
# binary cannot be downloaded) and the dev dependencies (TypeScript); the runtime stage gets only
# the built JavaScript and the production node_modules, trimmed to this platform.

FROM node:20-bookworm-slim AS build
# python3, make and g++ for node-gyp. npm_config_nodedir: compile against the headers the base
# image ships in /usr/local/include/node, instead of node-gyp downloading them from nodejs.org.
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
ENV npm_config_nodedir=/usr/local
# npm 10 (Node 20's) ignores package.json's allowScripts: skip onnxruntime-node's download of
# CUDA binaries (the service runs on the CPU) the way that package reads it, and node-av's
# download of an ffmpeg command-line program (the service uses FFmpeg as a library only).
ENV ONNXRUNTIME_NODE_INSTALL=skip SKIP_FFMPEG=true npm_config_update_notifier=false
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# --ignore-scripts, then rebuild: the dependencies' install scripts run, but not our `prepare`
# (it builds src/, which is not here yet; keeping it out keeps this layer cached across edits).
RUN npm ci --ignore-scripts && npm rebuild
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev
# Ship only what runs here. onnxruntime-node carries binaries for five platforms (~290 MB; this
# one's is ~45 MB); better-sqlite3 keeps its SQLite sources and object files after compiling;
# source maps and type declarations are never read at run time (~70 MB of maps). node-av's FFmpeg
# needs nothing here: it comes as one npm package per platform, and npm installs only this one's.
RUN arch=$(node -p process.arch) \
 && cd node_modules/onnxruntime-node/bin/napi-v6 \
 && find . -mindepth 2 -maxdepth 2 ! -path "./linux/$arch" -exec rm -rf {} + \
 && find . -mindepth 1 -maxdepth 1 -type d -empty -delete \
 && test -e "linux/$arch/libonnxruntime.so.1" \
 && cd /app/node_modules/better-sqlite3 \
 && rm -rf deps src build/deps build/Release/obj build/Release/obj.target build/Release/.deps \
           build/Release/test_extension.node build/Release/*.a \
 && test -e build/Release/better_sqlite3.node \
 && cd /app/node_modules \
 && find . \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \) -type f -delete

# The aligned expression model (a model file, not an npm package): fetched now into /app/models
# and checked against its pinned sha256, so that the image answers with it offline. Where the build
# cannot reach GitHub (a registry-only network), the build goes on without it and the service says
# so at start-up and in /health; MODELS_MIRROR names another URL for the same bytes.
ARG MODELS_MIRROR=
RUN mkdir -p /app/models \
 && (MODELS_DIR=/app/models node dist/cli/main.js models fetch ${MODELS_MIRROR:+--url "$MODELS_MIRROR"} \
     || echo "warning: the aligned expression model was not fetched; the image runs without it")

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production PORT=5000 HOST=0.0.0.0 DATA_DIR=/data
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# Not under /data: a mounted volume would hide it. MODEL_DOWNLOAD=false: a container never reaches
# out at start-up; an image built without the file runs on the two other nets and says so.
COPY --from=build /app/models ./models
ENV MODELS_DIR=/app/models MODEL_DOWNLOAD=false
# The app's files stay root's (read-only to the service); only /data is the service's.
RUN mkdir -p /data && chown node:node /data
VOLUME /data
USER node
EXPOSE 5000
# Ready = /ready answers 200: on PORT for `all` and `api`, on HEALTH_PORT for a worker (which has
# no other listener; without HEALTH_PORT only the process being alive can be checked). The slim
# image has no curl or wget: Node's own fetch.
HEALTHCHECK --interval=30s --timeout=5s --start-period=120s --retries=3 \
  CMD ["node", "-e", "const p = process.env.ROLE === 'worker' ? process.env.HEALTH_PORT : process.env.PORT; if (!p) process.exit(0); fetch('http://127.0.0.1:' + p + '/ready').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1));"]
# As `npm start` runs it (a small young generation keeps resident memory down), without npm in
# between: SIGTERM reaches the service, which drains.
CMD ["node", "--max-semi-space-size=1", "dist/main.js"]
