import { Injectable, Logger, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AppProblem } from '../common/errors/problem.js';
import { defineAbilityFor, rolesAllowed } from './ability.factory.js';
import { POLICY_KEY, type RoutePolicy } from './policy.decorator.js';
import { isStaff, type Principal, type Role } from '../common/roles.js';

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
      if (
        principal.phoneUnverified &&
        defineAbilityFor({ ...principal, phoneUnverified: false }).can(
          policy.action,
          policy.subject,
        )
      ) {
        throw new AppProblem(
          403,
          'account/phone-unverified',
          'Phone not verified',
          'Verify your phone number first: POST /me/phone/verification sends a code, POST /me/phone/verify checks it',
        );
      }
      const allowedRoles = rolesAllowed(policy.action, policy.subject);
      throw new AppProblem(403, 'auth/forbidden', 'Forbidden', refusal(principal, allowedRoles), {
        allowedRoles,
      });
    }
    return true;
  }
}

const LABELS: Record<Role, string> = {
  customer: 'customer',
  business: 'business buyer',
  dealer: 'dealer',
  technician: 'technician',
  admin: 'admin',
  finance: 'finance',
  ops_leader: 'ops leader',
  compliance: 'compliance',
  cfo: 'CFO',
};

const either = (words: string[]) =>
  words.length <= 1 ? words.join('') : `${words.slice(0, -1).join(', ')} or ${words.at(-1)!}`;

/** Says plainly who the route is for, in the platform's role names (never the policy's internals). */
function refusal(principal: Principal, allowed: Role[]): string {
  if (allowed.includes(principal.role))
    return `This route needs an approved account; yours is ${principal.status}`;
  if (allowed.length === 0) return 'This route is not open to any account';
  const labels = allowed.map((r) => LABELS[r]);
  return allowed.every(isStaff)
    ? `This route is for staff (${either(labels)})`
    : `This route is for approved ${either(labels)} accounts`;
}
