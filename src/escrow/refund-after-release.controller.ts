import { Body, Controller, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import {
  RefundAfterReleaseDto,
  RefundAfterReleaseParamDto,
  RequestRefundAfterReleaseDto,
} from './dto/refund-after-release.dto.js';
import { RefundAfterReleaseCommand } from './commands/refund-after-release.command.js';

/** Refunds of a sub-order whose escrow was already released to its dealer (audited). */
@ApiTags('admin-payments')
@ApiBearerAuth()
@Controller('admin/escrow')
export class RefundAfterReleaseController {
  constructor(private readonly commands: CommandBus) {}

  /**
   * Refunds part or all of a released sub-order (e.g. a return discovered late); the dealer's share
   * is clawed back when the gateway processes it. 409 unless released; 422 above what is left.
   */
  @Post('holds/:subOrderId/refund-after-release')
  @Can('update', 'PaymentOps')
  @ApiOperation({ summary: 'Refund a released sub-order (clawback from the dealer; audited)' })
  request(
    @Param() p: RefundAfterReleaseParamDto,
    @Body() dto: RequestRefundAfterReleaseDto,
    @Meta() meta: RequestMeta,
  ): Promise<RefundAfterReleaseDto> {
    return this.commands.execute(new RefundAfterReleaseCommand(p.subOrderId, dto, meta));
  }
}
