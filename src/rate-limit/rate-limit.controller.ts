import { Body, Controller, Delete, Get, Param, Query } from '@nestjs/common';
import { ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../access/policy.decorator.js';
import {
  cursorFields,
  encodeCursor,
  PageQueryDto,
  parseKeysetCursor,
} from '../common/pagination.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import { AbuseService, describeBlock } from './abuse.service.js';
import {
  AbuseBlockDto,
  AbuseBlockPageDto,
  AbuseBlockParamsDto,
  LiftAbuseBlockDto,
} from './dto/abuse-block.dto.js';
import { BLOCK_KINDS, type AbuseBlock, type BlockPosition } from './rate-limit.store.js';

/** Automatic abuse blocks for staff: admin and ops_leader list them, ops_leader lifts them. */
@ApiTags('admin')
@Controller('admin/abuse/blocks')
export class RateLimitController {
  constructor(private readonly abuse: AbuseService) {}

  /** Active blocks of IPs and device fingerprints, latest-ending first. */
  @Get()
  @Can('read', 'AbuseBlock')
  @ApiOperation({ summary: 'List active abuse blocks' })
  @ApiOkResponse({ type: AbuseBlockPageDto })
  async list(@Query() query: PageQueryDto): Promise<AbuseBlockPageDto> {
    const p = parseKeysetCursor(query.cursor, {
      u: cursorFields.number,
      k: cursorFields.oneOf(BLOCK_KINDS),
      v: cursorFields.text,
    });
    const after: BlockPosition | undefined = p && { until: p.u, kind: p.k, value: p.v };
    const blocks = await this.abuse.list(query.limit + 1, after);
    const items = blocks.slice(0, query.limit);
    const last = items[items.length - 1];
    return {
      items: items.map(toDto),
      ...(blocks.length > query.limit && last
        ? { nextCursor: encodeCursor({ u: last.until, k: last.kind, v: last.value }) }
        : {}),
    };
  }

  /** Lifts a block before it ends (and wipes the client's penalty), with a reason; audited `abuse.unblock`. */
  @Delete(':kind/:value')
  @Can('delete', 'AbuseBlock')
  @ApiOperation({ summary: 'Lift an abuse block' })
  @ApiOkResponse({ type: AbuseBlockDto, description: 'The block lifted' })
  @ApiNotFoundResponse({ description: 'No active block for this kind and value' })
  async lift(
    @Param() params: AbuseBlockParamsDto,
    @Body() body: LiftAbuseBlockDto,
    @Meta() meta: RequestMeta,
  ): Promise<AbuseBlockDto> {
    return toDto(await this.abuse.lift(params, body.reason, meta));
  }
}

function toDto(block: AbuseBlock): AbuseBlockDto {
  return describeBlock(block);
}
