import { z } from 'zod';
import { envSchema } from './env.schema.js';
import { localClusterFile, localClusterUrls, readLocalCluster } from './local-cluster.js';

export interface AppConfig {
  env: 'development' | 'test' | 'production';
  http: { host: string; port: number; bodyLimitBytes: number; trustProxy: boolean };
  log: { level: string };
  database: {
    /** The application's connection (a role that does not own the schema). */
    url: string;
    /** The schema owner's connection, used by migrations and test provisioning. */
    ownerUrl: string;
    /** Where the URLs came from, for diagnostics. */
    source: 'env' | 'local-cluster';
    poolMax: number;
    statementTimeoutMs: number;
  };
  docsEnabled: boolean;
}

export class ConfigError extends Error {}

/** One line per bad variable: `PORT: must be an integer ... (got "abc")`. */
function describeIssues(error: z.ZodError, env: NodeJS.ProcessEnv): string {
  return error.issues
    .map((issue) => {
      const name = String(issue.path[0] ?? '?');
      const got = env[name];
      return `${name}: ${issue.message}${got === undefined ? '' : ` (got ${JSON.stringify(redactUrl(got))})`}`;
    })
    .join('; ');
}

function redactUrl(value: string): string {
  return value.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1***@');
}

/** Validates the environment and resolves the database URLs (env first, then the local cluster). */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(`Invalid configuration: ${describeIssues(parsed.error, env)}`);
  }
  const e = parsed.data;
  let database: Pick<AppConfig['database'], 'url' | 'ownerUrl' | 'source'>;
  if (e.DATABASE_URL) {
    database = {
      url: e.DATABASE_URL,
      ownerUrl: e.DATABASE_OWNER_URL ?? e.DATABASE_URL,
      source: 'env',
    };
  } else {
    const cluster = readLocalCluster();
    if (!cluster) {
      throw new ConfigError(
        `Invalid configuration: DATABASE_URL: not set and the local cluster is not initialised (${localClusterFile()} missing); run "npm run db -- start" or set DATABASE_URL`,
      );
    }
    const urls = localClusterUrls(cluster);
    database = {
      url: urls.app,
      ownerUrl: e.DATABASE_OWNER_URL ?? urls.owner,
      source: 'local-cluster',
    };
  }
  return {
    env: e.NODE_ENV,
    http: {
      host: e.HOST,
      port: e.PORT,
      bodyLimitBytes: e.HTTP_BODY_LIMIT_BYTES,
      trustProxy: e.HTTP_TRUST_PROXY,
    },
    log: { level: e.LOG_LEVEL },
    database: {
      ...database,
      poolMax: e.DATABASE_POOL_MAX,
      statementTimeoutMs: e.DATABASE_STATEMENT_TIMEOUT_MS,
    },
    docsEnabled: e.DOCS_ENABLED,
  };
}
