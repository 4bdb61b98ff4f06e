import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import type { AppConfig } from './config/app-config.js';
import { ProblemFilter } from './common/errors/problem.filter.js';
import { PROBLEM_CONTENT_TYPE } from './common/errors/problem.js';
import { AppValidationPipe } from './common/errors/validation.js';
import { REQUEST_ID_HEADER, requestIdOf } from './observability/logging.js';
import { MetricsService } from './observability/metrics.service.js';

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

export function buildOpenApiDocument(app: NestFastifyApplication): OpenAPIObject {
  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('FixBazaar API')
      .setDescription(
        'Parts marketplace, repair services and escrow for the mobile-repair trade. ' +
          `Errors are RFC 9457 ${PROBLEM_CONTENT_TYPE} documents whose \`code\` is stable.`,
      )
      .setVersion('1')
      .build(),
  );
  return withProblemResponses(doc);
}

/** Every operation documents its errors as the shared Problem schema (RFC 9457). */
function withProblemResponses(doc: OpenAPIObject): OpenAPIObject {
  doc.components = doc.components ?? {};
  doc.components.schemas = {
    ...doc.components.schemas,
    FieldError: {
      type: 'object',
      required: ['field', 'in', 'messages'],
      properties: {
        field: { type: 'string', example: 'items.0.quantity' },
        in: { type: 'string', enum: ['body', 'query', 'path', 'header'] },
        messages: { type: 'array', items: { type: 'string' } },
      },
    },
    Problem: {
      type: 'object',
      required: ['type', 'title', 'status', 'code'],
      additionalProperties: true,
      properties: {
        type: { type: 'string', example: '/problems/request/validation-failed' },
        title: { type: 'string' },
        status: { type: 'integer' },
        detail: { type: 'string' },
        instance: { type: 'string' },
        code: {
          type: 'string',
          description: 'Stable machine-readable code',
          example: 'request/validation-failed',
        },
        requestId: {
          type: 'string',
          description: 'Correlation id, also sent as the x-request-id header',
        },
        errors: { type: 'array', items: { $ref: '#/components/schemas/FieldError' } },
      },
    },
  };
  const problem = { $ref: '#/components/schemas/Problem' };
  for (const item of Object.values(doc.paths)) {
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const op = item[method];
      if (!op) continue;
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) >= 400 && response && 'description' in response && !response.content) {
          response.content = { [PROBLEM_CONTENT_TYPE]: { schema: problem } };
        }
      }
      op.responses.default = op.responses.default ?? {
        description: 'Error (problem+json)',
        content: { [PROBLEM_CONTENT_TYPE]: { schema: problem } },
      };
    }
  }
  return doc;
}
