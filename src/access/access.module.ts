import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { IdentityModule } from '../identity/identity.module.js';
import { AuthenticationGuard } from './authentication.guard.js';
import { PolicyGuard } from './policy.guard.js';

/**
 * The global guards, in order: who is calling (AuthenticationGuard), may they call this often
 * (RateLimitGuard), may they call this at all (PolicyGuard).
 */
@Module({
  imports: [IdentityModule],
  providers: [
    { provide: APP_GUARD, useClass: AuthenticationGuard },
    { provide: APP_GUARD, useClass: PolicyGuard },
  ],
})
export class AccessModule {}
