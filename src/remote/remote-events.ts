import type { RemoteSessionEvent, RemoteSessionStatus } from './domain/remote-session-state.js';

/** A remote session moved through its state machine (one per history row). Published after commit. */
export class RemoteSessionTransitioned {
  constructor(
    readonly sessionId: string,
    readonly repairJobId: string,
    readonly event: RemoteSessionEvent,
    readonly from: RemoteSessionStatus,
    readonly to: RemoteSessionStatus,
    /** For `end`: why (`consent_revoked`, `admin_kill`, …). */
    readonly endReason: string | null,
  ) {}
}
