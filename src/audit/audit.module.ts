import { Global, Module } from '@nestjs/common';
import { AnchorModule } from '../anchor/anchor.module.js';
import { AuditAnchorService } from './audit-anchor.service.js';
import { AuditController } from './audit.controller.js';
import { AuditHeadSigner } from './audit-head-signer.js';
import { AuditQueryService } from './audit-query.service.js';
import { AuditService } from './audit.service.js';

/** Global: every module that performs staff actions records them through AuditService. */
@Global()
@Module({
  imports: [AnchorModule],
  controllers: [AuditController],
  providers: [AuditService, AuditQueryService, AuditHeadSigner, AuditAnchorService],
  exports: [AuditService, AuditQueryService, AuditHeadSigner, AuditAnchorService, AnchorModule],
})
export class AuditModule {}
