import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { IdentityModule } from '../identity/identity.module.js';
import { RateLimitGuard } from '../rate-limit/rate-limit.guard.js';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';
import { AuthenticationGuard } from './authentication.guard.js';
import { PolicyGuard } from './policy.guard.js';

/**
 * The global guards, in order: who is calling (AuthenticationGuard), may they call this often
 * (RateLimitGuard), may they call this at all (PolicyGuard).
 */
@Module({
  imports: [IdentityModule, RateLimitModule],
  providers: [
    { provide: APP_GUARD, useClass: AuthenticationGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_GUARD, useClass: PolicyGuard },
  ],
})
export class AccessModule {}
