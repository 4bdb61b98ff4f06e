import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { AppConfig } from './config/app-config.js';
import {
  clientErrorHandler,
  frameworkErrors,
  MAX_PARAM_LENGTH,
} from './common/errors/framework-errors.js';
import { ProblemFilter } from './common/errors/problem.filter.js';
import { AppValidationPipe } from './common/errors/validation.js';
import { REQUEST_ID_HEADER, requestIdOf } from './observability/logging.js';
import { MetricsService } from './observability/metrics.service.js';
import { buildOpenApiDocument } from './openapi-document.js';

export const NEST_APP_OPTIONS = { rawBody: true, bufferLogs: true } as const;

/**
 * `forceCloseConnections`: what `app.close()` does with open connections — `'idle'` (the default:
 * idle keep-alive connections are closed, a connection still in a request is waited for) or `true`
 * (every connection is destroyed at once; the test harnesses, so that one connection left in a
 * request — an upload refused before its body was read — cannot hang a suite's teardown).
 */
export function createFastifyAdapter(
  config: AppConfig,
  options: { forceCloseConnections?: boolean | 'idle' } = {},
): FastifyAdapter {
  return new FastifyAdapter({
    bodyLimit: config.http.bodyLimitBytes,
    trustProxy: config.http.trustProxy,
    genReqId: requestIdOf,
    logger: false,
    forceCloseConnections: options.forceCloseConnections ?? 'idle',
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors,
    clientErrorHandler,
  });
}

/** Everything that makes a Nest application FixBazaar's: logging, errors, validation, request ids, metrics, docs. */
export function configureApp(app: NestFastifyApplication, config: AppConfig): void {
  app.useLogger(app.get(Logger));
  app.useGlobalFilters(new ProblemFilter());
  app.useGlobalPipes(new AppValidationPipe());

  const metrics = app.get(MetricsService);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', async (request, reply) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    metrics.observeHttp(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });

  if (config.docsEnabled) {
    SwaggerModule.setup('docs', app, buildOpenApiDocument(app), {
      jsonDocumentUrl: 'openapi.json',
      yamlDocumentUrl: 'openapi.yaml',
      ui: true,
    });
  }
}
