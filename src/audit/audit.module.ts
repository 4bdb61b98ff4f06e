import { Global, Module } from '@nestjs/common';
import { AuditController } from './audit.controller.js';
import { AuditHeadSigner } from './audit-head-signer.js';
import { AuditQueryService } from './audit-query.service.js';
import { AuditService } from './audit.service.js';

/** Global: every module that performs staff actions records them through AuditService. */
@Global()
@Module({
  controllers: [AuditController],
  providers: [AuditService, AuditQueryService, AuditHeadSigner],
  exports: [AuditService, AuditQueryService, AuditHeadSigner],
})
export class AuditModule {}
