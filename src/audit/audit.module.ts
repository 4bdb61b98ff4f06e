import { Global, Module } from '@nestjs/common';
import { AuditService } from './audit.service.js';

/** Global: every module that performs staff actions records them through AuditService. */
@Global()
@Module({ providers: [AuditService], exports: [AuditService] })
export class AuditModule {}
