import { Module } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import { APP_CONFIG } from '../config/config.module.js';
import { LocalOutboxSender } from './local-outbox.sender.js';
import { NotificationSender } from './notification-sender.js';

/**
 * Provides the NotificationSender port. `local` is the only adapter so far; configuration refuses it in
 * production unless NOTIFICATIONS_LOCAL_IN_PRODUCTION=true (src/config/app-config.ts).
 */
@Module({
  providers: [
    {
      provide: NotificationSender,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) =>
        new LocalOutboxSender(config.notifications.outboxDir, config.env === 'development'),
    },
  ],
  exports: [NotificationSender],
})
export class NotificationsModule {}
