import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Can } from '../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import { RepairJobIdParamDto } from '../repairs/dto/repair-job.dto.js';
import { Calls } from './calls.service.js';
import {
  AdminCallsQueryDto,
  CallConnectionDto,
  CallDto,
  CallPageDto,
  CallIdParamDto,
  StaffJoinCallDto,
  StartCallDto,
} from './dto/call.dto.js';

const ACTIVE =
  'Only the job’s customer or its assigned technician, while the job is active (assigned through in_progress); one ringing or active call per job (409 `call/already-open`).';

/** Calls between a repair job's customer and its technician. */
@ApiTags('calls')
@ApiBearerAuth()
@Controller()
export class CallsController {
  constructor(private readonly calls: Calls) {}

  @Post('repairs/:repairJobId/calls')
  @Can('create', 'Call')
  @ApiOperation({
    summary: 'Call the other party of my repair job',
    description: `${ACTIVE} Returns my token for the new LiveKit room; the other party is rung (a push) until it accepts, declines, or the ring time passes (missed).`,
  })
  start(
    @Param() p: RepairJobIdParamDto,
    @Body() body: StartCallDto,
    @Meta() meta: RequestMeta,
  ): Promise<CallConnectionDto> {
    return this.calls.start(p.repairJobId, body.kind, meta);
  }

  @Get('repairs/:repairJobId/calls')
  @Can('read', 'Call')
  @ApiOperation({ summary: 'The calls of a repair job, newest first, with their logs' })
  forJob(@Param() p: RepairJobIdParamDto, @Meta() meta: RequestMeta): Promise<CallDto[]> {
    return this.calls.forJob(p.repairJobId, meta);
  }

  @Get('calls/:callId')
  @Can('read', 'Call')
  @ApiOperation({
    summary: 'A call and its log (who joined and left when, duration, how it ended)',
  })
  get(@Param() p: CallIdParamDto, @Meta() meta: RequestMeta): Promise<CallDto> {
    return this.calls.get(p.callId, meta);
  }

  @Post('calls/:callId/accept')
  @HttpCode(200)
  @Can('update', 'Call')
  @ApiOperation({ summary: 'Answer a call ringing for me: my token for its room' })
  accept(@Param() p: CallIdParamDto, @Meta() meta: RequestMeta): Promise<CallConnectionDto> {
    return this.calls.accept(p.callId, meta);
  }

  @Post('calls/:callId/decline')
  @HttpCode(200)
  @Can('update', 'Call')
  @ApiOperation({ summary: 'Decline a call ringing for me' })
  decline(@Param() p: CallIdParamDto, @Meta() meta: RequestMeta): Promise<CallDto> {
    return this.calls.decline(p.callId, meta);
  }

  @Post('calls/:callId/end')
  @HttpCode(200)
  @Can('update', 'Call')
  @ApiOperation({ summary: 'Hang up (the caller, while it rings: cancel it)' })
  end(@Param() p: CallIdParamDto, @Meta() meta: RequestMeta): Promise<CallDto> {
    return this.calls.end(p.callId, meta);
  }

  @Post('calls/:callId/join')
  @HttpCode(200)
  @Can('override', 'Call')
  @ApiOperation({
    summary: 'Join a call as staff, visibly, with a reason (audited)',
    description: 'Admin and ops leader. The token is visible to the parties (`hidden: false`).',
  })
  join(
    @Param() p: CallIdParamDto,
    @Body() body: StaffJoinCallDto,
    @Meta() meta: RequestMeta,
  ): Promise<CallConnectionDto> {
    return this.calls.staffJoin(p.callId, body.reason, meta);
  }
}

/** Staff: every call with its log. */
@ApiTags('calls')
@ApiBearerAuth()
@Controller('admin/calls')
export class AdminCallsController {
  constructor(private readonly calls: Calls) {}

  @Get()
  @Can('read', 'ChatOps')
  @ApiOperation({
    summary: 'Calls, newest first, by repair job, status and start time, with their logs',
  })
  list(@Query() q: AdminCallsQueryDto): Promise<CallPageDto> {
    return this.calls.list(q);
  }
}
