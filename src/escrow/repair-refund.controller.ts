import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import { RepairJobIdParamDto } from '../repairs/dto/repair-job.dto.js';
import { RefundRepairAtReleaseCommand } from './commands/refund-repair-at-release.command.js';
import { RefundRepairAtReleaseDto, RepairRefundAtReleaseDto } from './dto/repair-refund.dto.js';

/** Staff refund of a done repair whose escrow is still held, next to the staff repair routes. */
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
}
