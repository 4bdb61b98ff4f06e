import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../../common/request-meta.js';
import { RepairJobIdParamDto } from '../../repairs/dto/repair-job.dto.js';
import { ApproveEarlyReleaseCommand } from '../commands/approve-early-release.command.js';
import { LiftJobManualHoldCommand } from '../commands/lift-job-manual-hold.command.js';
import { LiftManualHoldCommand } from '../commands/lift-manual-hold.command.js';
import { PlaceJobManualHoldCommand } from '../commands/place-job-manual-hold.command.js';
import { PlaceManualHoldCommand } from '../commands/place-manual-hold.command.js';
import { RejectEarlyReleaseCommand } from '../commands/reject-early-release.command.js';
import { RequestEarlyReleaseCommand } from '../commands/request-early-release.command.js';
import { RequestJobEarlyReleaseCommand } from '../commands/request-job-early-release.command.js';
import {
  ApproveEarlyReleaseDto,
  EarlyReleaseDto,
  EarlyReleaseIdParamDto,
  EarlyReleasePageDto,
  EarlyReleaseQueryDto,
  EscrowHoldControlDto,
  EscrowHoldReasonDto,
  RejectEarlyReleaseDto,
  RepairJobEscrowControlDto,
  RequestEarlyReleaseDto,
  SubOrderIdParamDto,
} from './escrow-controls.dto.js';
import { EscrowControlsService } from './escrow-controls.service.js';

/**
 * Manual holds on a sub-order's or a repair job's escrow and its early release (admin, ops leader,
 * finance; every action audited). Early releases above EARLY_RELEASE_APPROVAL_ABOVE_PAISE need a
 * second approver.
 */
@ApiTags('admin-payments')
@ApiBearerAuth()
@Controller('admin/escrow')
export class EscrowControlsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly controls: EscrowControlsService,
  ) {}

  /** Stops the release of this escrow (job and early release) until lifted. 409 if already on hold. */
  @Post('holds/:subOrderId/hold')
  @HttpCode(200)
  @Can('update', 'PaymentOps')
  @ApiOperation({ summary: "Place a manual hold on a sub-order's escrow (audited)" })
  hold(
    @Param() p: SubOrderIdParamDto,
    @Body() dto: EscrowHoldReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<EscrowHoldControlDto> {
    return this.commands.execute(new PlaceManualHoldCommand(p.subOrderId, dto.reason, meta));
  }

  /** Lifts the active manual hold; the release job releases the escrow on its next pass if due. */
  @Post('holds/:subOrderId/unhold')
  @HttpCode(200)
  @Can('update', 'PaymentOps')
  @ApiOperation({ summary: "Lift the manual hold on a sub-order's escrow (audited)" })
  unhold(
    @Param() p: SubOrderIdParamDto,
    @Body() dto: EscrowHoldReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<EscrowHoldControlDto> {
    return this.commands.execute(new LiftManualHoldCommand(p.subOrderId, dto.reason, meta));
  }

  /**
   * Early release of a delivered sub-order's escrow: released at once at or below the threshold
   * (or with an ops leader's `override`), else a `pending` request for a second approver.
   */
  @Post('holds/:subOrderId/release-early')
  @Can('update', 'PaymentOps')
  @ApiOperation({
    summary: "Release a delivered sub-order's escrow early (maker-checker above the threshold)",
  })
  releaseEarly(
    @Param() p: SubOrderIdParamDto,
    @Body() dto: RequestEarlyReleaseDto,
    @Meta() meta: RequestMeta,
  ): Promise<EarlyReleaseDto> {
    return this.commands.execute(new RequestEarlyReleaseCommand(p.subOrderId, dto, meta));
  }

  /**
   * Stops the release of every held hold of this repair job (the release job and early release)
   * until lifted. 409 if already on hold or nothing is held.
   */
  @Post('repair-jobs/:repairJobId/hold')
  @HttpCode(200)
  @Can('update', 'PaymentOps')
  @ApiOperation({ summary: "Place a manual hold on a repair job's escrow (audited)" })
  holdRepairJob(
    @Param() p: RepairJobIdParamDto,
    @Body() dto: EscrowHoldReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<RepairJobEscrowControlDto> {
    return this.commands.execute(new PlaceJobManualHoldCommand(p.repairJobId, dto.reason, meta));
  }

  /** Lifts the active manual hold; the release job releases the escrow on its next pass if due. */
  @Post('repair-jobs/:repairJobId/unhold')
  @HttpCode(200)
  @Can('update', 'PaymentOps')
  @ApiOperation({ summary: "Lift the manual hold on a repair job's escrow (audited)" })
  unholdRepairJob(
    @Param() p: RepairJobIdParamDto,
    @Body() dto: EscrowHoldReasonDto,
    @Meta() meta: RequestMeta,
  ): Promise<RepairJobEscrowControlDto> {
    return this.commands.execute(new LiftJobManualHoldCommand(p.repairJobId, dto.reason, meta));
  }

  /**
   * Early release of a done repair job's escrow (before its customer confirms; not disputed): staff
   * confirm the job and its held escrow is released at once at or below the threshold (or with an
   * ops leader's `override`), else a `pending` request for a second approver.
   */
  @Post('repair-jobs/:repairJobId/release-early')
  @Can('update', 'PaymentOps')
  @ApiOperation({
    summary: "Release a done repair job's escrow early (maker-checker above the threshold)",
  })
  releaseRepairJobEarly(
    @Param() p: RepairJobIdParamDto,
    @Body() dto: RequestEarlyReleaseDto,
    @Meta() meta: RequestMeta,
  ): Promise<EarlyReleaseDto> {
    return this.commands.execute(new RequestJobEarlyReleaseCommand(p.repairJobId, dto, meta));
  }

  /** Early releases oldest first; `status=pending` is the approval queue. */
  @Get('early-releases')
  @Can('read', 'PaymentOps')
  @ApiOperation({ summary: 'List early releases' })
  list(@Query() q: EarlyReleaseQueryDto): Promise<EarlyReleasePageDto> {
    return this.controls.list(q.status, q.limit, q.cursor);
  }

  /** Approves (a staff member other than the proposer; an ops leader may override) and releases. */
  @Post('early-releases/:earlyReleaseId/approve')
  @HttpCode(200)
  @Can('update', 'PaymentOps')
  @ApiOperation({ summary: 'Approve a pending early release and release the escrow (checker)' })
  approve(
    @Param() p: EarlyReleaseIdParamDto,
    @Body() dto: ApproveEarlyReleaseDto,
    @Meta() meta: RequestMeta,
  ): Promise<EarlyReleaseDto> {
    return this.commands.execute(new ApproveEarlyReleaseCommand(p.earlyReleaseId, dto, meta));
  }

  /** Rejects a pending early release (or its proposer withdraws it). Nothing is released. */
  @Post('early-releases/:earlyReleaseId/reject')
  @HttpCode(200)
  @Can('update', 'PaymentOps')
  @ApiOperation({ summary: 'Reject a pending early release' })
  reject(
    @Param() p: EarlyReleaseIdParamDto,
    @Body() dto: RejectEarlyReleaseDto,
    @Meta() meta: RequestMeta,
  ): Promise<EarlyReleaseDto> {
    return this.commands.execute(new RejectEarlyReleaseCommand(p.earlyReleaseId, dto.reason, meta));
  }
}
