import {
  Body,
  Controller,
  Get,
  HttpCode,
  Param,
  Post,
  Put,
  Query,
  Req,
  UseGuards,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import {
  ApiBearerAuth,
  ApiHeader,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { Can, OwnBearerToken, Public } from '../access/policy.decorator.js';
import { Meta, type RequestMeta } from '../common/request-meta.js';
import { RepairJobIdParamDto } from '../repairs/dto/repair-job.dto.js';
import {
  AcceptConsentDto,
  AcceptedCountDto,
  ActivityBatchDto,
  AdminRemoteSessionsQueryDto,
  AgentTokenDto,
  AgentTokenRequestDto,
  ConsentDto,
  ConsentScreenDto,
  ImeiRecordedDto,
  ImeiRevealDto,
  KillRemoteSessionDto,
  RecordImeiDto,
  RelayEventsBatchDto,
  RelayEventsResultDto,
  RemoteSessionDetailDto,
  RemoteSessionDto,
  RemoteSessionIdParamDto,
  RemoteSessionPageDto,
  RevokeConsentDto,
  SameDeviceJobsDto,
  SignedRevocationListDto,
  StaffImeiRevealDto,
  TunnelKeysDto,
} from './dto/remote.dto.js';
import { AgentTokenGuard, RelayGuard } from './tunnel-guards.js';
import { RelayReports } from './relay-reports.service.js';
import { RemoteConsents } from './remote-consents.service.js';
import { RemoteImeis } from './remote-imeis.service.js';
import { RemoteSessions } from './remote-sessions.service.js';
import { TunnelRelays } from './tunnel-relays.js';

const GATE =
  'The job’s assigned software technician, of an online software job being worked on (assigned … in progress), under the customer’s active consent: 403 `remote/not-assigned-technician` (a former technician of the job), `remote/not-software-technician`, `remote/not-online-software-job`, `remote/job-closed`, `remote/consent-required`; another account’s job is a 404.';

/** The customer's consent to remote work on a job. */
@ApiTags('remote repair')
@ApiBearerAuth()
@Controller('repairs/:repairJobId')
export class RemoteConsentController {
  constructor(
    private readonly consents: RemoteConsents,
    private readonly sessions: RemoteSessions,
  ) {}

  @Get('remote-consent')
  @Can('read', 'RemoteConsent')
  @ApiOperation({
    summary: 'The consent notice for my online software job, and my consent',
    description:
      'The job’s customer. 409 `remote/not-online-software-job`, `remote/job-closed`, `remote/no-technician`.',
  })
  screen(@Param() p: RepairJobIdParamDto, @Meta() meta: RequestMeta): Promise<ConsentScreenDto> {
    return this.consents.screen(p.repairJobId, meta);
  }

  @Post('remote-consent')
  @Can('create', 'RemoteConsent')
  @ApiOperation({
    summary: 'Give consent (the notice version I saw, the permissions I grant)',
    description:
      'Stored with the time, my IP and device fingerprint (hashed), for the job’s current technician until it expires. 409 as for the notice, and `remote/consent-text-outdated`, `remote/consent-already-given`.',
  })
  accept(
    @Param() p: RepairJobIdParamDto,
    @Body() body: AcceptConsentDto,
    @Meta() meta: RequestMeta,
  ): Promise<ConsentDto> {
    return this.consents.accept(p.repairJobId, body, meta);
  }

  @Post('remote-consent/revoke')
  @HttpCode(200)
  @Can('update', 'RemoteConsent')
  @ApiOperation({
    summary: 'Withdraw my consent',
    description:
      'IMEI reveal stops and every live remote session of the job ends (`consent_revoked`); the relays are told at once. 409 `remote/no-active-consent`.',
  })
  revoke(
    @Param() p: RepairJobIdParamDto,
    @Body() body: RevokeConsentDto,
    @Meta() meta: RequestMeta,
  ): Promise<ConsentDto> {
    return this.consents.revoke(p.repairJobId, body.deviceFingerprint, meta);
  }

  @Get('remote-sessions')
  @Can('read', 'RemoteSession')
  @ApiOperation({
    summary: 'The remote sessions of a job, newest first (its customer, technician, staff)',
  })
  forJob(@Param() p: RepairJobIdParamDto, @Meta() meta: RequestMeta): Promise<RemoteSessionDto[]> {
    return this.sessions.forJob(p.repairJobId, meta);
  }
}

/** The technician's side: the IMEI and asking for a session. */
@ApiTags('remote repair')
@ApiBearerAuth()
@Controller('technician/repairs/:repairJobId')
export class TechnicianRemoteController {
  constructor(
    private readonly imeis: RemoteImeis,
    private readonly sessions: RemoteSessions,
  ) {}

  @Post('remote-sessions')
  @Can('update', 'RepairWork')
  @ApiOperation({
    summary: 'Ask the customer for a remote session',
    description: `${GATE} The consent must grant \`remote_session\`. One live session per job (409 \`remote-session/already-live\`).`,
  })
  request(@Param() p: RepairJobIdParamDto, @Meta() meta: RequestMeta): Promise<RemoteSessionDto> {
    return this.sessions.request(p.repairJobId, meta);
  }

  @Put('imei')
  @Can('update', 'RepairWork')
  @ApiOperation({
    summary: 'Record the IMEI read from the device during a connected session',
    description: `${GATE} 409 \`remote/no-live-session\` unless a session of the job is connected or active.`,
  })
  record(
    @Param() p: RepairJobIdParamDto,
    @Body() body: RecordImeiDto,
    @Meta() meta: RequestMeta,
  ): Promise<ImeiRecordedDto> {
    return this.imeis.recordByTechnician(p.repairJobId, body.imei, meta);
  }

  @Post('imei/reveal')
  @HttpCode(200)
  @Can('read', 'RepairWork')
  @ApiOperation({
    summary: 'See the job’s IMEI (audited)',
    description: `${GATE} The consent must grant \`imei_reveal\`. 404 \`remote/imei-not-recorded\`.`,
  })
  reveal(@Param() p: RepairJobIdParamDto, @Meta() meta: RequestMeta): Promise<ImeiRevealDto> {
    return this.imeis.revealToTechnician(p.repairJobId, meta);
  }
}

/** A session: its parties approve, end and join it; staff read it. */
@ApiTags('remote repair')
@ApiBearerAuth()
@Controller('remote-sessions/:remoteSessionId')
export class RemoteSessionsController {
  constructor(
    private readonly sessions: RemoteSessions,
    private readonly reports: RelayReports,
  ) {}

  @Get()
  @Can('read', 'RemoteSession')
  @ApiOperation({
    summary:
      'A remote session and its logs (moves, the relay’s reports, the customer agent’s activity)',
  })
  get(
    @Param() p: RemoteSessionIdParamDto,
    @Meta() meta: RequestMeta,
  ): Promise<RemoteSessionDetailDto> {
    return this.sessions.get(p.remoteSessionId, meta);
  }

  @Post('approve')
  @HttpCode(200)
  @Can('update', 'RemoteSession')
  @ApiOperation({
    summary: 'Approve a requested session (the customer)',
    description:
      'Sets the hard stop: REMOTE_SESSION_MAX_MINUTES from now, never past the consent’s expiry. 403 `remote/customer-only`, `remote/consent-required`.',
  })
  approve(
    @Param() p: RemoteSessionIdParamDto,
    @Meta() meta: RequestMeta,
  ): Promise<RemoteSessionDto> {
    return this.sessions.approve(p.remoteSessionId, meta);
  }

  @Post('end')
  @HttpCode(200)
  @Can('update', 'RemoteSession')
  @ApiOperation({
    summary: 'End a session (either party; the customer’s end of a requested one declines it)',
    description: 'The relays are told at once. 409 `remote-session/ended`.',
  })
  end(@Param() p: RemoteSessionIdParamDto, @Meta() meta: RequestMeta): Promise<RemoteSessionDto> {
    return this.sessions.end(p.remoteSessionId, meta);
  }

  @Post('agent-tokens')
  @Can('create', 'RemoteSession')
  @ApiOperation({
    summary: 'A join token for my agent (docs/remote-tunnel.md)',
    description:
      'The customer (role `customer`) or the technician (role `technician`) of an approved session; single use (its jti is recorded), join within 5 minutes, valid until the hard stop. 403 `remote/wrong-role`, `remote/consent-required` (and the technician’s gate); 409 `remote-session/not-approved`, `remote-session/ended`, `remote-session/hard-stop-passed`.',
  })
  agentToken(
    @Param() p: RemoteSessionIdParamDto,
    @Body() body: AgentTokenRequestDto,
    @Meta() meta: RequestMeta,
  ): Promise<AgentTokenDto> {
    return this.sessions.agentToken(p.remoteSessionId, body, meta);
  }

  @Post('activity')
  @HttpCode(200)
  @Public()
  @OwnBearerToken()
  @UseGuards(AgentTokenGuard)
  @ApiOperation({
    summary: 'The customer agent’s record of what was opened on the phone',
    description:
      'For the customer’s agent, not for accounts: `Authorization: Tunnel <its join token>` (valid until the token’s hard stop). 401 `remote/agent-unauthorized`.',
  })
  @ApiHeader({ name: 'authorization', required: true, description: 'Tunnel <customer join token>' })
  @ApiUnauthorizedResponse({ description: '`remote/agent-unauthorized`' })
  async activity(
    @Param() _p: RemoteSessionIdParamDto,
    @Req() request: FastifyRequest,
    @Body() body: ActivityBatchDto,
  ): Promise<AcceptedCountDto> {
    return { accepted: await this.reports.activity(request.agentClaims!, body) };
  }
}

/** The relays' endpoints and the tunnel's public keys. */
@ApiTags('remote repair')
@Controller('remote')
export class TunnelController {
  constructor(
    private readonly relays: TunnelRelays,
    private readonly reports: RelayReports,
  ) {}

  @Get('tunnel-keys')
  @Public()
  @ApiOperation({ summary: 'The public keys that sign join tokens and revocation lists' })
  keys(): TunnelKeysDto {
    return { keys: this.relays.publicKeys };
  }

  @Post('relay-events')
  @HttpCode(200)
  @Public()
  @OwnBearerToken()
  @UseGuards(RelayGuard)
  @ApiOperation({
    summary: 'A relay’s session events (never payload)',
    description:
      'For the tunnel relays: `Authorization: Bearer <TUNNEL_RELAY_SECRET>`. Each event is applied once (relay id + event id). 401 `remote/relay-unauthorized`.',
  })
  @ApiHeader({ name: 'authorization', required: true, description: 'Bearer <TUNNEL_RELAY_SECRET>' })
  @ApiUnauthorizedResponse({ description: '`remote/relay-unauthorized`' })
  events(@Body() body: RelayEventsBatchDto): Promise<RelayEventsResultDto> {
    return this.reports.receive(body);
  }

  @Get('revocations')
  @Public()
  @OwnBearerToken()
  @UseGuards(RelayGuard)
  @ApiOperation({
    summary: 'The signed full revocation list (a relay fetches it when it starts)',
    description:
      'For the tunnel relays: `Authorization: Bearer <TUNNEL_RELAY_SECRET>`. 401 `remote/relay-unauthorized`.',
  })
  @ApiHeader({ name: 'authorization', required: true, description: 'Bearer <TUNNEL_RELAY_SECRET>' })
  @ApiUnauthorizedResponse({ description: '`remote/relay-unauthorized`' })
  async revocations(): Promise<SignedRevocationListDto> {
    return { list: await this.relays.fullList() };
  }
}

/** Staff: every session, kills, the IMEI with a reason, the same device's other jobs. */
@ApiTags('remote repair')
@ApiBearerAuth()
@Controller('admin')
export class AdminRemoteController {
  constructor(
    private readonly sessions: RemoteSessions,
    private readonly imeis: RemoteImeis,
  ) {}

  @Get('remote-sessions')
  @Can('read', 'RemoteRepairOps')
  @ApiOperation({ summary: 'Remote sessions, live or ended, newest first' })
  list(@Query() q: AdminRemoteSessionsQueryDto): Promise<RemoteSessionPageDto> {
    return this.sessions.list(q);
  }

  @Post('remote-sessions/:remoteSessionId/kill')
  @HttpCode(200)
  @Can('update', 'RemoteRepairOps')
  @ApiOperation({
    summary: 'End a live session, with a reason (audited `remote_session.kill`)',
    description: 'The relays are told at once. 409 `remote-session/ended`.',
  })
  kill(
    @Param() p: RemoteSessionIdParamDto,
    @Body() body: KillRemoteSessionDto,
    @Meta() meta: RequestMeta,
  ): Promise<RemoteSessionDto> {
    return this.sessions.kill(p.remoteSessionId, body.reason, meta);
  }

  @Post('repairs/:repairJobId/imei/reveal')
  @HttpCode(200)
  @Can('update', 'RemoteRepairOps')
  @ApiOperation({
    summary: 'See a job’s IMEI, with a reason (audited)',
    description:
      'Policy: the job is being worked on and the customer’s consent grants `imei_reveal`; otherwise 403 `remote/forbidden-by-policy`, which an ops leader may override (`override: true`, audited as an override; others 403 `remote/override-not-permitted`). 404 `remote/imei-not-recorded`.',
  })
  reveal(
    @Param() p: RepairJobIdParamDto,
    @Body() body: StaffImeiRevealDto,
    @Meta() meta: RequestMeta,
  ): Promise<ImeiRevealDto> {
    return this.imeis.revealToStaff(p.repairJobId, body, meta);
  }

  @Get('repairs/:repairJobId/same-device')
  @Can('read', 'RemoteRepairOps')
  @ApiOperation({
    summary:
      'Other jobs of the same device (matched by the IMEI’s keyed hash; the IMEI is not shown)',
    description: '404 `remote/imei-not-recorded`.',
  })
  sameDevice(@Param() p: RepairJobIdParamDto): Promise<SameDeviceJobsDto> {
    return this.imeis.sameDevice(p.repairJobId);
  }
}
