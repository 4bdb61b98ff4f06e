import { Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { PAYMENT_GATEWAY } from './payment-gateway.js';
import { RazorpayGateway } from './razorpay.gateway.js';
import { RazorpayWebhookBodyParser } from './webhooks/razorpay-webhook-body.parser.js';
import { RazorpayWebhookController } from './webhooks/razorpay-webhook.controller.js';
import { WebhookHandlers } from './webhooks/webhook-handlers.js';
import { WebhookInbox } from './webhooks/webhook-inbox.service.js';
import { WebhookProcessor } from './webhooks/webhook-jobs.js';

/**
 * The payment gateway, below every money module:
 * - the PaymentGateway port (PAYMENT_GATEWAY): the Razorpay adapter over the official SDK, aimed at
 *   config.razorpay.apiUrl (real Razorpay, or the local sandbox);
 * - Razorpay webhook ingestion: `POST /webhooks/razorpay` (signature over the raw body, inbox
 *   deduplicated by event id, fast acknowledgement) and the inbox's processing on pg-boss. Other
 *   modules register what an event does with `WebhookHandlers.register(eventName, handler)`.
 * Needs DatabaseModule and JobsModule (global); imports no other module of ours.
 */
@Module({
  controllers: [RazorpayWebhookController],
  providers: [
    {
      provide: PAYMENT_GATEWAY,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new RazorpayGateway(config.razorpay),
    },
    RazorpayWebhookBodyParser,
    WebhookHandlers,
    WebhookInbox,
    WebhookProcessor,
  ],
  exports: [PAYMENT_GATEWAY, WebhookHandlers],
})
export class GatewayModule {}
