import { Command } from '@nestjs/cqrs';
import type { DueRow, ReleaseMode } from './release-escrow.steps.js';

/**
 * Release one held escrow to its payee (`ReleaseEscrowHandler`); true when released, false when
 * nothing was done (no longer held, its subject not in a status `mode` accepts, or a manual hold
 * active). Dispatched by the `escrow.release-due` job worker (`EscrowReleaseService.releaseDue`).
 */
export class ReleaseEscrowCommand extends Command<boolean> {
  constructor(
    readonly due: DueRow,
    readonly mode: ReleaseMode,
  ) {
    super();
  }
}
