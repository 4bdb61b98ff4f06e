import { Module } from '@nestjs/common';
import { AuditModule } from '../audit/audit.module.js';
import { ProposalDecisions } from './proposal-decisions.service.js';

/** Maker-checker proposals (`ProposalDecisions`) for any module whose objects are proposed and decided. */
@Module({
  // AuditModule is global in the app; imported here too so the module also boots on its own (tests).
  imports: [AuditModule],
  providers: [ProposalDecisions],
  exports: [ProposalDecisions],
})
export class ApprovalsModule {}
