/**
 * The maker-checker proposal: one declared state machine for every object a staff member proposes
 * and another decides (ledger adjustments, early releases of escrow, TCS corrections, and whatever
 * comes next). Pure, so domain folders may read it; `ProposalDecisions` applies it.
 *
 * The maker (the proposer) may withdraw (reject) but not approve; another staff member (the checker)
 * approves or rejects; the maker approving is allowed only as an explicit override (an ops leader's
 * early release), with a reason. Each object keeps its own status words (`pending`/`released` for
 * an early release), mapped onto these states by its `ProposalKind`.
 *
 * `supersede` is the maker replacing its waiting proposal by a newer one (a payee's new settlement
 * details): only the maker, with a reason, to `superseded`; only kinds that name a `superseded`
 * status take it (`ProposalDecisions.supersede`), so the others' tables are unchanged.
 */
import { defineStateMachine } from '../common/state-machine.js';

export const PROPOSAL_STATES = ['proposed', 'approved', 'rejected', 'superseded'] as const;
export type ProposalState = (typeof PROPOSAL_STATES)[number];
export const PROPOSAL_EVENTS = ['approve', 'reject', 'supersede'] as const;
export type ProposalEvent = (typeof PROPOSAL_EVENTS)[number];
/** `maker`: the proposer; `checker`: anyone else allowed to decide; `override`: the maker overriding. */
export const PROPOSAL_ACTORS = ['maker', 'checker', 'override'] as const;
export type ProposalActor = (typeof PROPOSAL_ACTORS)[number];

export const PROPOSAL_MACHINE = defineStateMachine<
  ProposalState,
  ProposalEvent,
  ProposalActor,
  'proposal'
>({
  noun: 'proposal',
  codePrefix: 'proposal',
  states: PROPOSAL_STATES,
  events: PROPOSAL_EVENTS,
  transitions: [
    {
      event: 'approve',
      actors: ['checker'],
      from: ['proposed'],
      to: ['approved'],
      reasonFrom: [],
    },
    {
      event: 'approve',
      actors: ['override'],
      from: ['proposed'],
      to: ['approved'],
      reasonFrom: ['override'],
    },
    {
      event: 'reject',
      actors: ['checker', 'maker'],
      from: ['proposed'],
      to: ['rejected'],
      reasonFrom: ['checker', 'maker'],
    },
    {
      event: 'supersede',
      actors: ['maker'],
      from: ['proposed'],
      to: ['superseded'],
      reasonFrom: ['maker'],
    },
  ],
  key: (s) => s,
  describe: (s) => s,
  past: { approve: 'approved', reject: 'rejected', supersede: 'superseded' },
  by: { maker: ' by its proposer' },
});

/** Who `by` is to a proposal made by `maker` (an override counts only for the maker's own approval). */
export function proposalActor(
  maker: string,
  by: string,
  event: ProposalEvent,
  override: boolean,
): ProposalActor {
  if (by !== maker) return 'checker';
  return event === 'approve' && override ? 'override' : 'maker';
}
