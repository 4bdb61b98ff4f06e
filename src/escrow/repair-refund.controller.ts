import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import { RepairJobIdParamDto } from '../repairs/dto/repair-job.dto.js';
import { RefundRepairAtReleaseCommand } from './commands/refund-repair-at-release.command.js';
import { RefundRepairAfterReleaseCommand } from './commands/refund-repair-after-release.command.js';
import { RequestRefundAfterReleaseDto } from './dto/refund-after-release.dto.js';
import {
  RefundRepairAtReleaseDto,
  RepairRefundAfterReleaseDto,
  RepairRefundAtReleaseDto,
} from './dto/repair-refund.dto.js';

/**
 * Staff refunds of a repair job, next to the staff repair routes: of a done repair whose escrow is
 * still held, and of one whose escrow was released.
 */
@ApiTags('repairs')
@ApiBearerAuth()
@Controller('admin/repairs')
export class RepairRefundController {
  constructor(private readonly commands: CommandBus) {}

  /**
   * Refunds part of a done (or confirmed) repair when its escrow is released; the technician
   * is paid the rest. 409 unless its escrow is still held; 422 unless less than what is held.
   */
  @Post(':repairJobId/refund')
  @HttpCode(200)
  @Can('update', 'RepairJob')
  @ApiOperation({ summary: 'Refund part of a done repair at its release (reason, audited)' })
  refund(
    @Param() p: RepairJobIdParamDto,
    @Body() dto: RefundRepairAtReleaseDto,
    @Meta() meta: RequestMeta,
  ): Promise<RepairRefundAtReleaseDto> {
    return this.commands.execute(new RefundRepairAtReleaseCommand(p.repairJobId, dto, meta));
  }

  /**
   * Refunds part or all of a repair job whose escrow was released to its technician (the staff
   * who refund sub-orders after release); the technician's share is clawed back when the gateway
   * processes it. 409 unless released; 422 above what is left.
   */
  @Post(':repairJobId/refund-after-release')
  @Can('update', 'PaymentOps')
  @ApiOperation({
    summary: 'Refund a released repair job (clawback from the technician; reason, audited)',
  })
  refundAfterRelease(
    @Param() p: RepairJobIdParamDto,
    @Body() dto: RequestRefundAfterReleaseDto,
    @Meta() meta: RequestMeta,
  ): Promise<RepairRefundAfterReleaseDto> {
    return this.commands.execute(new RefundRepairAfterReleaseCommand(p.repairJobId, dto, meta));
  }
}
