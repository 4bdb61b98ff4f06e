import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../common/project-root.js';

/** What `scripts/db.sh` records about the project-local PostgreSQL cluster (`.local/pg/cluster.json`). */
export interface LocalCluster {
  host: string;
  port: number;
  database: string;
  ownerUser: string;
  ownerPassword: string;
  appUser: string;
  appPassword: string;
}

export function localClusterFile(): string {
  return join(projectRoot(), '.local', 'pg', 'cluster.json');
}

export function readLocalCluster(): LocalCluster | undefined {
  const file = localClusterFile();
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as LocalCluster;
}

export function postgresUrl(
  host: string,
  port: number,
  user: string,
  password: string,
  database: string,
): string {
  return `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${host}:${port}/${encodeURIComponent(database)}`;
}

export function localClusterUrls(c: LocalCluster): { app: string; owner: string } {
  return {
    app: postgresUrl(c.host, c.port, c.appUser, c.appPassword, c.database),
    owner: postgresUrl(c.host, c.port, c.ownerUser, c.ownerPassword, c.database),
  };
}
