/**
 * For operators who drive migrations with the knex CLI against a PostgreSQL server
 * (`NODE_OPTIONS='--require tsx/cjs' npx knex --knexfile knexfile.ts migrate:latest`:
 * the knex command reads TypeScript through tsx). The hub itself migrates at start and
 * with `npm run migrate`, which also covers the embedded database.
 */
import { loadConfig } from './src/config';
import { knexConfig } from './src/db/database';

const config = loadConfig();
if (!config.databaseUrl) {
  throw new Error('knexfile.ts needs DATABASE_URL; for the embedded database use `npm run migrate`');
}

export default knexConfig(config.databaseUrl);
