import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppProblem, PROBLEM_CONTENT_TYPE, problemType, type ProblemDocument } from './problem.js';

/** Stable codes for failures that are not raised as an AppProblem. */
const CODE_BY_STATUS: Record<number, string> = {
  400: 'request/bad-request',
  401: 'auth/unauthenticated',
  403: 'auth/forbidden',
  404: 'resource/not-found',
  405: 'request/method-not-allowed',
  406: 'request/not-acceptable',
  409: 'resource/conflict',
  413: 'request/body-too-large',
  415: 'request/unsupported-media-type',
  422: 'request/unprocessable',
  429: 'rate-limit/exceeded',
  503: 'service/unavailable',
};

/**
 * Fastify's own request errors (parsing, limits) reach the filter as an HttpException whose `cause` is the
 * Fastify error; its code picks the problem code, and its message is safe to show.
 */
const FASTIFY_CODES: Record<string, string> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'request/body-too-large',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'request/unsupported-media-type',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'request/malformed-json',
  FST_ERR_CTP_INVALID_JSON_BODY: 'request/malformed-json',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'request/bad-request',
};

function titleOf(status: number): string {
  const name = HttpStatus[status] as string | undefined;
  return name ? name.charAt(0) + name.slice(1).toLowerCase().replace(/_/g, ' ') : 'Error';
}

/** Renders every error as RFC 9457 problem+json. Unknown errors become a 500 carrying only the request id. */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  private readonly logger = new Logger('ProblemFilter');

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const problem = this.toProblem(exception, request);
    if (problem.status >= 500) {
      this.logger.error({ err: exception, requestId: request.id }, 'unhandled error');
    }
    if (reply.sent) return;
    if (exception instanceof AppProblem) void reply.headers(exception.headers);
    void reply.status(problem.status).header('content-type', PROBLEM_CONTENT_TYPE).send(problem);
  }

  private toProblem(exception: unknown, request: FastifyRequest): ProblemDocument {
    const base = { instance: request.url.split('?')[0], requestId: String(request.id) };
    if (exception instanceof AppProblem) {
      return {
        type: problemType(exception.code),
        title: exception.title,
        status: exception.status,
        ...(exception.detail ? { detail: exception.detail } : {}),
        ...base,
        code: exception.code,
        ...exception.extensions,
      };
    }
    if (exception instanceof HttpException && exception.getStatus() < 500) {
      const status = exception.getStatus();
      const causeCode = (exception.cause as { code?: unknown } | undefined)?.code;
      const code =
        (typeof causeCode === 'string' ? FASTIFY_CODES[causeCode] : undefined) ??
        (status === 404 && !request.routeOptions.url
          ? 'route/not-found'
          : (CODE_BY_STATUS[status] ?? 'request/error'));
      return {
        type: problemType(code),
        title: titleOf(status),
        status,
        detail: httpDetail(exception),
        ...base,
        code,
      };
    }
    const code = 'internal/unexpected';
    return {
      type: problemType(code),
      title: 'Internal server error',
      status: 500,
      detail: 'An unexpected error occurred. Quote the requestId when reporting it.',
      ...base,
      code,
    };
  }
}

function httpDetail(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}
