import { Writable } from 'node:stream';
import type { Type } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import createClient, { type Client } from 'openapi-fetch';
import { AppModule } from '../../src/app.module.js';
import { configureApp, createFastifyAdapter, NEST_APP_OPTIONS } from '../../src/bootstrap.js';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import type { paths } from './api-types.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  db: TestDatabase;
  baseUrl: string;
  /** Typed client generated from the committed openapi.json. */
  api: Client<paths>;
  /** Every JSON log line the app wrote. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Extra controllers mounted next to the app's own (probes for the error and validation pipeline). */
  controllers?: Type[];
  env?: Record<string, string>;
  /** Settings that name the test's own database (e.g. a replica URL for it). */
  envFor?: (db: { appUrl: string }) => Record<string, string>;
  database?: 'migrated' | 'empty';
  /** Providers replaced by values (e.g. the ledger's clock, to date entries in a past month). */
  overrides?: readonly { provide: unknown; useValue: unknown }[];
  /** The app's database URLs as it is given them (e.g. through PgBouncer: test/support/pgbouncer.ts). */
  databaseUrl?: (url: string) => string;
}

/** The real application, listening on a loopback port, on a database of its own. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const db = await createTestDatabase(options.database);
  const url = options.databaseUrl ?? ((u: string) => u);
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    DATABASE_POOL_MAX: '4',
    // Tests enqueue but run no job workers or schedules unless they ask for them.
    JOBS_WORKERS: 'false',
    JOBS_POOL_MAX: '2',
    ...options.env,
    ...options.envFor?.(db),
    DATABASE_URL: url(db.appUrl),
    DATABASE_OWNER_URL: url(db.ownerUrl),
  });
  const logs: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim()) logs.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  let builder = Test.createTestingModule({
    imports: [AppModule.forRoot(config, stream)],
    controllers: options.controllers ?? [],
  });
  for (const o of options.overrides ?? [])
    builder = builder.overrideProvider(o.provide).useValue(o.useValue);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestFastifyApplication>(
    // Every connection destroyed at close: a client socket left mid-request must not hang teardown.
    createFastifyAdapter(config, { forceCloseConnections: true }),
    NEST_APP_OPTIONS,
  );
  configureApp(app, config);
  await app.listen(0, '127.0.0.1');
  const baseUrl = await app.getUrl();
  return {
    app,
    config,
    db,
    baseUrl,
    api: createClient<paths>({ baseUrl }),
    logs,
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}
