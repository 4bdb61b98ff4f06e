import { Controller, HttpCode, Post, Req } from '@nestjs/common';
import type { RawBodyRequest } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBody,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Public } from '../../access/policy.decorator.js';
import { WebhookAckDto } from './dto/webhook-ack.dto.js';
import { EVENT_ID_HEADER, SIGNATURE_HEADER, WebhookInbox } from './webhook-inbox.service.js';

/**
 * Razorpay's webhook deliveries. Public (Razorpay has no account here): the signature is the
 * authentication. Not rate limited (see isExemptRoute): Razorpay's bursts must not be throttled.
 */
@ApiTags('payments')
@Public()
@Controller('webhooks')
export class RazorpayWebhookController {
  constructor(private readonly inbox: WebhookInbox) {}

  /**
   * Verifies `X-Razorpay-Signature` (hex HMAC-SHA256 of the exact body with the current webhook
   * secret, or the previous one during a rotation), stores the event once (deduplicated by
   * `X-Razorpay-Event-Id`) and acknowledges at once; processing happens in the background.
   */
  @Post('razorpay')
  @HttpCode(200)
  @ApiOperation({ summary: 'Receive a Razorpay webhook event' })
  @ApiHeader({ name: SIGNATURE_HEADER, required: true, description: 'Hex HMAC-SHA256 of the body' })
  @ApiHeader({ name: EVENT_ID_HEADER, required: false, description: 'Razorpay event id' })
  @ApiBody({
    required: true,
    description:
      'The event as Razorpay sends it: { entity, account_id, event, contains, payload, created_at }',
    schema: { type: 'object', additionalProperties: true },
  })
  @ApiOkResponse({ type: WebhookAckDto, description: 'Stored (or already stored)' })
  @ApiBadRequestResponse({
    description:
      '`webhook/invalid-signature` (missing, wrong secret, or not over these exact bytes), `webhook/malformed`; nothing is stored',
  })
  receive(@Req() request: RawBodyRequest<FastifyRequest>): Promise<WebhookAckDto> {
    return this.inbox.receive(request.rawBody, request.headers);
  }
}
