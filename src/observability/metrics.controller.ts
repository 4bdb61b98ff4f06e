import { Controller, Get, Header, UseGuards } from '@nestjs/common';
import {
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { OwnBearerToken, Public } from '../access/policy.decorator.js';
import { MetricsAccessGuard } from './metrics-access.guard.js';
import { MetricsService } from './metrics.service.js';

/**
 * Public to accounts (a scraper has no account), guarded by its own token: see MetricsAccessGuard.
 * The contract's `security` is the accounts' scheme, so it stays `[]`; the description names the token.
 */
@ApiTags('operations')
@Public()
@OwnBearerToken()
@UseGuards(MetricsAccessGuard)
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({
    summary: 'Prometheus metrics',
    description:
      'For the Prometheus scraper, not for accounts (an access token does not open it). With ' +
      '`METRICS_TOKEN` configured (required in production) the scraper sends ' +
      '`Authorization: Bearer <METRICS_TOKEN>`; without it (development, test) only loopback clients ' +
      '(127.0.0.1, ::1) are answered.',
  })
  @ApiOkResponse({ content: { 'text/plain': { schema: { type: 'string' } } } })
  @ApiUnauthorizedResponse({
    description:
      '`metrics/unauthorized`: METRICS_TOKEN is configured and the request does not carry it as `Authorization: Bearer <METRICS_TOKEN>`',
  })
  @ApiForbiddenResponse({
    description:
      '`metrics/loopback-only`: METRICS_TOKEN is not configured (development, test) and the client is not on loopback',
  })
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
