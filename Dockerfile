# The hub's image, used by docker-compose.yml.
FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json ./
# The workspace packages' manifests first, so npm ci links them (the devnet is one).
COPY packages/devnet/package.json ./packages/devnet/
# --ignore-scripts: `prepare` (the build) needs the sources, copied below; it runs then.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund
COPY packages ./packages
COPY bin ./bin
COPY src ./src
COPY protocols ./protocols
COPY migrations ./migrations
COPY scripts/build.ts ./scripts/
COPY knexfile.ts tsconfig.json ./
# dist/, the compiled hub that bin/intertrade.js runs (no TypeScript compiled at each start).
RUN npm run build
ENV NODE_ENV=production
EXPOSE 8080
# SIGTERM reaches node directly (exec form), which drains requests before exiting.
CMD ["node", "bin/intertrade.js", "start"]
