import { Controller, Headers, HttpCode, Post, Req } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import {
  ApiBody,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { OwnBearerToken, Public } from '../access/policy.decorator.js';
import { LiveKitWebhookAckDto } from './dto/livekit-webhook.dto.js';
import { LiveKitWebhooks } from './livekit-webhooks.service.js';

/**
 * LiveKit's webhook deliveries. Public (LiveKit has no account here): the signature, a JWT in the
 * Authorization header (not an account's token: `@OwnBearerToken`), is the authentication. Not rate
 * limited (a `/webhooks/` route).
 */
@ApiTags('calls')
@Public()
@OwnBearerToken()
@Controller('webhooks')
export class LiveKitWebhookController {
  constructor(private readonly webhooks: LiveKitWebhooks) {}

  @Post('livekit')
  @HttpCode(200)
  @ApiOperation({ summary: 'Receive a LiveKit webhook event' })
  @ApiHeader({
    name: 'authorization',
    required: true,
    description:
      'A JWT signed with the API secret whose `sha256` claim is the base64 SHA-256 of the body',
  })
  @ApiBody({
    required: true,
    description: 'A LiveKit WebhookEvent (protobuf JSON), sent as application/webhook+json',
    schema: { type: 'object', additionalProperties: true },
  })
  @ApiOkResponse({ type: LiveKitWebhookAckDto, description: 'Applied (or already received)' })
  @ApiUnauthorizedResponse({
    description: '`livekit-webhook/invalid-signature`: nothing is stored',
  })
  receive(
    @Req() request: RawBodyRequest<FastifyRequest>,
    @Headers('authorization') authorization: string | undefined,
  ): Promise<LiveKitWebhookAckDto> {
    return this.webhooks.receive(request.rawBody, authorization);
  }
}
