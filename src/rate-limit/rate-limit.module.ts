import { Logger, Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { AbuseService } from './abuse.service.js';
import { MemoryRateLimitStore } from './memory.store.js';
import { RateLimitController } from './rate-limit.controller.js';
import { RateLimitMetrics } from './rate-limit.metrics.js';
import { RateLimitService } from './rate-limit.service.js';
import { RATE_LIMIT_STORE, type RateLimitStore } from './rate-limit.store.js';
import { RedisRateLimitStore } from './redis.store.js';

/**
 * Rate limits and abuse blocks. The access module imports this module and registers RateLimitGuard as the
 * second global guard; AbuseService hooks into Fastify itself.
 */
@Module({
  controllers: [RateLimitController],
  providers: [
    RateLimitMetrics,
    {
      provide: RATE_LIMIT_STORE,
      inject: [APP_CONFIG, RateLimitMetrics],
      useFactory: async (config: AppConfig, metrics: RateLimitMetrics): Promise<RateLimitStore> => {
        const url = config.rateLimit.redisUrl;
        if (!url) return new MemoryRateLimitStore();
        const store = new RedisRateLimitStore(url, (err) => metrics.storeFailed('connection', err));
        // Unreachable at start: log and carry on (fail open); the client keeps reconnecting.
        await store.connect().catch((err: unknown) => metrics.storeFailed('connect', err));
        new Logger('RateLimit').log(
          `rate-limit store: redis (${store.redis.options.host}:${store.redis.options.port})`,
        );
        return store;
      },
    },
    RateLimitService,
    AbuseService,
  ],
  /** What RateLimitGuard needs where the access module instantiates it (`useClass`). */
  exports: [RateLimitService, RateLimitMetrics],
})
export class RateLimitModule {}
