import { Module } from '@nestjs/common';
import { HealthController } from './health.controller.js';
import { GetReadinessHandler } from './queries/get-readiness.handler.js';

@Module({ controllers: [HealthController], providers: [GetReadinessHandler] })
export class HealthModule {}
