import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { TunnelRelays } from './tunnel-relays.js';

/** The relays' routes: `Authorization: Bearer <TUNNEL_RELAY_SECRET>` (constant-time), before the body is read. */
@Injectable()
export class RelayGuard implements CanActivate {
  constructor(private readonly relays: TunnelRelays) {}

  canActivate(context: ExecutionContext): boolean {
    this.relays.assertRelay(
      context.switchToHttp().getRequest<FastifyRequest>().headers.authorization,
    );
    return true;
  }
}
