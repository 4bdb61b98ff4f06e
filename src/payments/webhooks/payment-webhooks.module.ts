import { Module } from '@nestjs/common';
import { RazorpayWebhookBodyParser } from './razorpay-webhook-body.parser.js';
import { RazorpayWebhookController } from './razorpay-webhook.controller.js';
import { WebhookHandlers } from './webhook-handlers.js';
import { WebhookInbox } from './webhook-inbox.service.js';
import { WebhookProcessor } from './webhook-jobs.js';

/**
 * Razorpay webhook ingestion: `POST /webhooks/razorpay` (signature over the raw body, inbox
 * deduplicated by event id, fast acknowledgement) and the inbox's processing on pg-boss. Other modules
 * register what an event does with `WebhookHandlers.register(eventName, handler)`. Needs
 * DatabaseModule and JobsModule (global).
 */
@Module({
  controllers: [RazorpayWebhookController],
  providers: [RazorpayWebhookBodyParser, WebhookHandlers, WebhookInbox, WebhookProcessor],
  exports: [WebhookHandlers],
})
export class PaymentWebhooksModule {}
