import { Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AppProblem } from '../common/errors/problem.js';
import { defineAbilityFor } from './ability.factory.js';
import { POLICY_KEY, type RoutePolicy } from './policy.decorator.js';

/**
 * Last global guard: applies the route's declared policy. A route that declares none is refused —
 * deny by default — and `test/access.e2e-spec.ts` fails on it before it ships.
 */
@Injectable()
export class PolicyGuard implements CanActivate {
  private readonly logger = new Logger(PolicyGuard.name);

  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const policy = this.reflector.getAllAndOverride<RoutePolicy | undefined>(POLICY_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const principal = request.principal ?? null;
    if (!policy) {
      this.logger.error(
        `route without a policy refused: ${request.method} ${request.routeOptions.url}`,
      );
      throw new AppProblem(
        403,
        'auth/forbidden',
        'Forbidden',
        'This route declares no access policy',
      );
    }
    if (policy.kind === 'public') return true;
    if (!principal) {
      throw new AppProblem(
        401,
        'auth/unauthenticated',
        'Unauthenticated',
        'Sign in to use this route',
        {},
        { 'www-authenticate': 'Bearer' },
      );
    }
    if (policy.kind === 'authenticated') return true;
    if (!defineAbilityFor(principal).can(policy.action, policy.subject)) {
      throw new AppProblem(
        403,
        'auth/forbidden',
        'Forbidden',
        `Your account may not ${policy.action} ${policy.subject}`,
      );
    }
    return true;
  }
}
