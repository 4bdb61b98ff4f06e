import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { configureApp, createFastifyAdapter, NEST_APP_OPTIONS } from './bootstrap.js';
import { ConfigError, loadConfig } from './config/app-config.js';
import { scrubText } from './observability/error-redaction.js';
import { installProcessErrorHandlers } from './observability/process-errors.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config),
    createFastifyAdapter(config),
    NEST_APP_OPTIONS,
  );
  configureApp(app, config);
  installProcessErrorHandlers();
  // Ctrl-C / SIGTERM: stop accepting, finish in-flight requests, close the pool, exit 0 — or exit 1
  // after 15 s if a connection never finishes its request.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      new Logger('Bootstrap').log(`${signal}: shutting down`);
      setTimeout(() => {
        new Logger('Bootstrap').error('shutdown did not finish in 15 s; exiting');
        process.exit(1);
      }, 15_000).unref();
      app.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    });
  }
  await app.listen(config.http.port, config.http.host);
  const url = await app.getUrl();
  new Logger('Bootstrap').log(`FixBazaar listening on ${url} (API docs ${url}/docs)`);
}

main().catch((err: unknown) => {
  process.stderr.write(`FixBazaar failed to start: ${scrubText((err as Error).message)}\n`);
  process.exit(1);
});
