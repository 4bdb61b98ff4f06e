import { Controller, Get } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import {
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
} from '@nestjs/swagger';
import { Public } from '../access/policy.decorator.js';
import { AppProblem } from '../common/errors/problem.js';
import { LiveDto, ReadyDto } from './dto/health.dto.js';
import { GetReadinessQuery } from './queries/get-readiness.query.js';

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(private readonly queries: QueryBus) {}

  /** The process is up and serving HTTP. */
  @Get('live')
  @ApiOperation({ summary: 'Liveness' })
  live(): LiveDto {
    return { status: 'ok' };
  }

  /** The database is reachable and the schema is current; otherwise 503 problem+json with the failing checks. */
  @Get('ready')
  @ApiOperation({ summary: 'Readiness' })
  @ApiOkResponse({ type: ReadyDto })
  @ApiServiceUnavailableResponse({ description: 'Not ready: `checks` names what failed' })
  async ready(): Promise<ReadyDto> {
    const r = await this.queries.execute(new GetReadinessQuery());
    if (!r.ready) {
      throw new AppProblem(503, 'health/not-ready', 'Not ready', 'A dependency check failed', {
        checks: r.checks,
      });
    }
    return { status: 'ready', checks: r.checks };
  }
}
