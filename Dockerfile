# Runs the service on port 5000. Everything it needs comes from the npm registry
# (node-av ships FFmpeg, onnxruntime-node and the model files ship in their packages).
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json .npmrc ./
# node:20 ships npm 10, which ignores package.json's allowScripts: skip onnxruntime-node's
# download of CUDA binaries (the service runs on the CPU) the way that package reads it.
ENV ONNXRUNTIME_NODE_INSTALL=skip
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev
ENV PORT=5000 HOST=0.0.0.0 DATA_DIR=/data NODE_ENV=production
VOLUME /data
EXPOSE 5000
CMD ["node", "--max-semi-space-size=2", "dist/main.js"]
