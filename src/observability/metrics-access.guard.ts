import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppProblem } from '../common/errors/problem.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** 127.0.0.0/8, ::1, and IPv4 loopback written as IPv6 (::ffff:127.x.x.x). */
export function isLoopback(address: string | undefined): boolean {
  if (!address || !isIP(address)) return false;
  const v4 = address.replace(/^::ffff:/i, '');
  return address === '::1' || (isIP(v4) === 4 && v4.startsWith('127.'));
}

/**
 * Who may scrape `GET /metrics` (it shows money held in escrow, open reconciliation exceptions and alert
 * counts). With METRICS_TOKEN set (required in production): only `Authorization: Bearer <METRICS_TOKEN>`,
 * compared in constant time, else 401 `metrics/unauthorized`. Without it (development, test): only a
 * loopback client, else 403 `metrics/loopback-only`; behind a trusted proxy the forwarded client address
 * must be loopback too.
 */
@Injectable()
export class MetricsAccessGuard implements CanActivate {
  private readonly expected: Buffer | undefined;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.expected = config.metrics.token ? digest(`Bearer ${config.metrics.token}`) : undefined;
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (this.expected) {
      const sent = digest(request.headers.authorization ?? '');
      if (timingSafeEqual(sent, this.expected)) return true;
      throw new AppProblem(
        401,
        'metrics/unauthorized',
        'Unauthorized',
        'Send the metrics token (METRICS_TOKEN) as "Authorization: Bearer <token>"',
        {},
        { 'www-authenticate': 'Bearer' },
      );
    }
    if (isLoopback(request.socket.remoteAddress) && isLoopback(request.ip)) return true;
    throw new AppProblem(
      403,
      'metrics/loopback-only',
      'Forbidden',
      'Without METRICS_TOKEN configured, metrics are served to loopback clients only',
    );
  }
}
