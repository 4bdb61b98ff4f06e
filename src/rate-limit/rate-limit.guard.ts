import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppProblem } from '../common/errors/problem.js';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { RATE_LIMIT_CATEGORY_KEY } from './rate-limit.decorator.js';
import { RateLimitMetrics } from './rate-limit.metrics.js';
import { limitFor, type BucketLimit, type RateLimitCategory } from '../config/rate-limit-policy.js';
import { isExemptRoute, RateLimitService } from './rate-limit.service.js';

/** `Retry-After` is whole seconds; never 0, which clients would take as "retry at once". */
export function retryAfterSeconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

/**
 * Second global guard (after authentication, before the policy guard): one token per request from the
 * caller's bucket for the route's category (keyed by user when signed in, by IP otherwise, with the limit
 * for the caller's role) and from the IP's overall ceiling (`perIp`). Both or neither: a refused request
 * costs nothing. Refusal: 429 `rate-limit/exceeded` with `Retry-After`.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly limiter: RateLimitService,
    private readonly metrics: RateLimitMetrics,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (isExemptRoute(request)) return true;
    const category =
      this.reflector.getAllAndOverride<RateLimitCategory | undefined>(RATE_LIMIT_CATEGORY_KEY, [
        context.getHandler(),
        context.getClass(),
      ]) ?? 'default';
    const { policy } = this.config.rateLimit;
    const principal = request.principal ?? null;
    const limit = limitFor(policy, principal?.role ?? 'anonymous', category);
    const own = principal
      ? `user:${category}:${principal.userId}`
      : `anon:${category}:${request.ip}`;
    const limits: BucketLimit[] = [limit, policy.perIp];
    const result = await this.limiter.take([
      { key: own, limit },
      { key: `ipall:${request.ip}`, limit: policy.perIp },
    ]);
    if (!result) return true; // store unavailable: fail open (see RateLimitService)

    // Advertise the tighter of the two buckets: its size and the requests left in it.
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const tightest = result.remaining[1]! < result.remaining[0]! ? 1 : 0;
    void reply.header('ratelimit-limit', String(limits[tightest]!.burst));
    void reply.header('ratelimit-remaining', String(result.remaining[tightest]));
    if (result.allowed) return true;

    this.metrics.rejections.inc({ category });
    const seconds = retryAfterSeconds(result.retryAfterMs);
    throw new AppProblem(
      429,
      'rate-limit/exceeded',
      'Too many requests',
      `Rate limit for ${category} requests exceeded; retry in ${seconds} s`,
      {
        category,
        retryAfterSeconds: seconds,
        retryAt: new Date(Date.now() + seconds * 1000).toISOString(),
      },
      { 'retry-after': String(seconds) },
    );
  }
}
