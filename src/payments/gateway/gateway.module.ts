import { Module } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { PAYMENT_GATEWAY } from './payment-gateway.js';
import { RazorpayGateway } from './razorpay.gateway.js';

/**
 * Provides the PaymentGateway port (PAYMENT_GATEWAY): the Razorpay adapter over the official SDK,
 * aimed at config.razorpay.apiUrl (real Razorpay, or the local sandbox).
 */
@Module({
  providers: [
    {
      provide: PAYMENT_GATEWAY,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => new RazorpayGateway(config.razorpay),
    },
  ],
  exports: [PAYMENT_GATEWAY],
})
export class GatewayModule {}
