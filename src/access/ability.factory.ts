import {
  AbilityBuilder,
  createMongoAbility,
  type ForcedSubject,
  type MongoAbility,
} from '@casl/ability';
import { ExpiringMap } from '../common/expiring-map.js';
import { ROLES, type Principal, type Role } from '../common/roles.js';

export type Action =
  | 'manage'
  | 'create'
  | 'read'
  | 'update'
  | 'delete'
  | 'approve'
  | 'suspend'
  | 'block'
  | 'override'
  | 'export'
  | 'revoke'
  | 'reset';

/**
 * What abilities talk about. Later modules add theirs (Listing, Order, Escrow, RepairJob, ...).
 * `User` carries `id` so object-level rules (`{ id: principal.userId }`) can be checked with `subject()`.
 */
export type Subject =
  | 'all'
  | 'User'
  | 'StaffAccount'
  /** A staff member's two-factor enrolment: ops leaders `reset` it (never their own; checked in the handler). */
  | 'StaffMfa'
  | 'ApprovalQueue'
  /**
   * An applicant's own KYC documents (GST certificate, PAN card, shop photo): dealers, business
   * buyers and technicians `create` (upload) and `read` theirs, whatever their approval status (the
   * `/me/kyc-documents` routes, scoped to the caller by query). Staff read an applicant's through
   * `ApprovalQueue`.
   */
  | 'KycDocument'
  | 'Session'
  | 'AuditEvent'
  | 'AbuseBlock'
  /** Balances, statements, trial balance, journal search (`read`) and the journal audit export (`export`). */
  | 'Ledger'
  /** Maker-checker manual entries: `create` proposes, `approve` approves or rejects (never one's own). */
  | 'LedgerAdjustment'
  /**
   * A dealer's catalog listing. Dealers (approved) `create`, `read` and `update` their own (object
   * checks with `{ dealerId }`); admin and ops leader `read` all, `approve` (reviews: first listings,
   * held price changes) and `suspend` (pause or remove, with a reason).
   */
  | 'Listing'
  /**
   * Buying parts: a cart, checkout and one's own orders (cancel, confirm delivery). Approved customers,
   * business buyers, technicians and dealers (buying from other dealers); scoped to the caller by query.
   */
  | 'Purchase'
  /** Every order, as staff see it: `read` (admin, ops leader, finance, compliance, cfo), `override` (admin and ops leader: cancel, confirm delivery, with a reason). */
  | 'Order'
  /** A dealer's share of an order (`{ dealerId }`): approved dealers `read` and `update` (accept, pack, ship, cancel) their own. */
  | 'SubOrder'
  /** Delivery-charge rules per channel: admin and ops leader `update` (everyone may read them). */
  | 'DeliveryRule'
  /**
   * Payments, escrow, refunds, dealers' Route accounts and payment alerts as staff see them: `read`
   * (admin, ops leader, finance, compliance, cfo); `update` (admin, ops leader, finance: retry, acknowledge,
   * resolve).
   */
  | 'PaymentOps'
  /**
   * Statutory returns (GSTR-8, 194-O) and tax payments: `read` (finance, cfo, compliance), `export`
   * (finance, compliance; audited), `update` (finance: close a period, record a tax payment).
   */
  | 'StatutoryReturn'
  /** One's own quarterly 194-O statement: approved dealers and technicians `read` theirs. */
  | 'TdsStatement'
  /** A dealer's own escrow and payout statement: approved dealers `read` theirs. */
  | 'DealerStatement'
  /** A technician's own earnings, payouts and service-fee invoices: approved technicians `read` theirs. */
  | 'TechnicianStatement'
  /**
   * A payee's settlement details (PAN, GSTIN, business type, bank account) for Route payouts:
   * approved dealers and technicians `read` and `update` their own (the `/payees/me` routes); admin,
   * ops leader and finance `approve` (approve or reject a held change; never their own). Staff read
   * a payee's details as `PaymentOps`.
   */
  | 'PayeeSettlement'
  /**
   * Fraud alerts and orders held for review: `read` (admin, ops leader, finance, compliance);
   * `update` — assign and resolve alerts (admin, ops leader, finance); `approve` — clear or reject a
   * held order (admin, ops leader).
   */
  | 'Fraud'
  /**
   * Repair jobs as staff see them: `read` (admin, ops leader, finance, compliance, cfo); `update` (admin,
   * ops leader: assign, cancel an unpaid job, confirm a done one — with a reason, audited);
   * `override` (ops leader: reassign to another technician, with a reason).
   */
  | 'RepairJob'
  /**
   * Photos and videos of a repair job (src/repairs/repair-media.service.ts): `read` for approved
   * buyers (their own jobs) and technicians (the jobs assigned to them now), checked in the handler
   * (any other job is a 404), and for staff who read repair jobs. Adding one is the customer's
   * `update` of its Purchase.
   */
  | 'RepairMedia'
  /** Where a repair job's technician is on its way (exact position): admin and ops leader `read` (audited). */
  | 'TechnicianTracking'
  /** The repairs assigned to an approved technician: `read` and `update` (its steps, quotes). */
  | 'RepairWork'
  /** A technician's own availability and location fixes: technicians `update` (approval checked in the handler, with a clear problem). */
  | 'TechnicianPresence'
  /** The nearby-technicians search: approved customers and business buyers `read`. */
  | 'TechnicianSearch'
  /** Technicians flagged by the location-spoofing rules: admin and ops leader `read`, `update` (clear) and `suspend`. */
  | 'TechnicianLocationReview'
  /**
   * Reviews of completed repair jobs: approved customers, business buyers, dealers and technicians
   * `create`, `read` and `update` (their own jobs' reviews, scoped by query: another account's job is
   * a 404; a technician's revealed reviews are readable by all of them).
   */
  | 'Review'
  /** Review moderation: admin and ops leader `read` the flagged list and `update` (hide abusive text, with a reason). */
  | 'ReviewModeration'
  /**
   * Calls of a repair job (src/calls/): approved customers, business buyers and technicians `create`,
   * `read` and `update` (accept, decline, end) the calls of their own active jobs (checked in the
   * handler: another account's job or call is a 404); admin and ops leader `read` every call and
   * `override` (join one, visibly, with a reason, audited); compliance `read`.
   */
  | 'Call'
  /**
   * A chat room (one per repair job, one per sub-order; src/chat/). Its parties — the job's customer
   * and current technician, the sub-order's buyer and dealer — `read` and `create` (send, report) in
   * it (`{ memberIds }`, read from the job or sub-order on every use), while approved. Admin and ops
   * leader `read`, `create` and `update` (hide a message, turn masking off) in any room; compliance
   * `read`s any. Staff join visibly (a system message, audited).
   */
  | 'ChatRoom'
  /**
   * Chat and calls as staff see them: `read` (admin, ops leader, compliance: the queue of reported
   * messages, every call), `update` (admin, ops leader: resolve a report, dismissing it or hiding
   * the message, audited).
   */
  | 'ChatOps'
  /**
   * The customer's consent to remote repair of a job (src/remote/): approved customers and business
   * buyers `read` the notice, `create` (give) and `update` (withdraw) theirs (their own jobs only:
   * checked in the handler, another account's job is a 404).
   */
  | 'RemoteConsent'
  /**
   * Remote sessions of a repair job: approved customers, business buyers and technicians `create`
   * (join tokens), `read` and `update` (approve, end) the sessions of their own jobs (checked in the
   * handler); admin, ops leader and compliance `read` any.
   */
  | 'RemoteSession'
  /**
   * Remote repair as staff see it: `read` (admin, ops leader, compliance: every session, the same
   * device's other jobs), `update` (admin, ops leader: kill a session, reveal an IMEI with a reason,
   * audited), `override` (ops leader: reveal where policy forbids, audited as an override).
   */
  | 'RemoteRepairOps';

type WithShape<T extends Subject, S> = T | (ForcedSubject<T> & S);

/** Subjects as rules see them: the type name, or an instance (via CASL's `subject()`) for object checks. */
export type AbilitySubject =
  | WithShape<'User', { id: string }>
  | WithShape<'Session', { userId: string }>
  | WithShape<'Listing', { dealerId: string }>
  | WithShape<'SubOrder', { dealerId: string }>
  | WithShape<'ChatRoom', { memberIds: string[] }>
  | Exclude<Subject, 'User' | 'Session' | 'Listing' | 'SubOrder' | 'ChatRoom'>;

export type AppAbility = MongoAbility<[Action, AbilitySubject]>;

/**
 * The one place that says who may do what, from role, approval status and technician kind.
 * Deny by default: an ability starts empty and only these rules grant anything.
 */
export function defineAbilityFor(principal: Principal | null): AppAbility {
  if (!principal) return buildAbility(null);
  // An ability depends on these fields only; built once per account state (every request asks).
  const key = `${principal.role}|${principal.status}|${principal.technicianKind}|${principal.phoneUnverified === true}|${principal.userId}`;
  let ability = built.get(key);
  if (ability === undefined) {
    ability = buildAbility(principal);
    built.set(key, ability, ABILITY_TTL_MS);
  }
  return ability;
}

/** Abilities built, by the principal fields they depend on (per process; a cache, not state). */
const built = new ExpiringMap<AppAbility>(20_000);
const ABILITY_TTL_MS = 10 * 60_000;

function buildAbility(principal: Principal | null): AppAbility {
  const { can, build } = new AbilityBuilder<AppAbility>(createMongoAbility);
  if (!principal || principal.status === 'blocked') return build();

  // Their own account and sessions are reached through the `/me` routes (@Authenticated, scoped to the
  // caller by query), so no rule here grants `User` or `Session` to non-staff: a type-level check on
  // those subjects means staff reach.
  if (
    principal.role === 'dealer' ||
    principal.role === 'business' ||
    principal.role === 'technician'
  )
    can(['create', 'read'], 'KycDocument');
  switch (principal.role) {
    case 'admin':
      can('read', 'User');
      can(['approve', 'suspend', 'block'], 'User');
      can('read', 'ApprovalQueue');
      can('create', 'StaffAccount');
      can(['read', 'revoke'], 'Session');
      can('read', 'AuditEvent');
      can('read', 'AbuseBlock');
      can(['read', 'export'], 'Ledger');
      can('read', 'LedgerAdjustment');
      can(['read', 'approve', 'suspend'], 'Listing');
      can(['read', 'override'], 'Order');
      can('update', 'DeliveryRule');
      can(['read', 'update'], 'PaymentOps');
      can(['read', 'update', 'approve'], 'Fraud');
      can(['read', 'update'], 'RepairJob');
      can('read', 'RepairMedia');
      can('read', 'TechnicianTracking');
      can('approve', 'PayeeSettlement');
      can(['read', 'update', 'suspend'], 'TechnicianLocationReview');
      can(['read', 'update'], 'ReviewModeration');
      can(['read', 'override'], 'Call');
      can(['read', 'create', 'update'], 'ChatRoom');
      can(['read', 'update'], 'ChatOps');
      can('read', 'RemoteSession');
      can(['read', 'update'], 'RemoteRepairOps');
      break;
    case 'ops_leader':
      // Admin's rights, plus overriding what policy forbids (with a reason) and lifting abuse blocks.
      can('read', 'User');
      can(['approve', 'suspend', 'block', 'override'], 'User');
      can('reset', 'StaffMfa');
      can('read', 'ApprovalQueue');
      can(['read', 'revoke'], 'Session');
      can('read', 'AuditEvent');
      can(['read', 'delete'], 'AbuseBlock');
      can(['read', 'export'], 'Ledger');
      can('read', 'LedgerAdjustment');
      can(['read', 'approve', 'suspend'], 'Listing');
      can(['read', 'override'], 'Order');
      can('update', 'DeliveryRule');
      can(['read', 'update'], 'PaymentOps');
      can(['read', 'update', 'approve'], 'Fraud');
      can(['read', 'update', 'override'], 'RepairJob');
      can('read', 'RepairMedia');
      can('read', 'TechnicianTracking');
      can('approve', 'PayeeSettlement');
      can(['read', 'update', 'suspend'], 'TechnicianLocationReview');
      can(['read', 'update'], 'ReviewModeration');
      can(['read', 'override'], 'Call');
      can(['read', 'create', 'update'], 'ChatRoom');
      can(['read', 'update'], 'ChatOps');
      can('read', 'RemoteSession');
      can(['read', 'update', 'override'], 'RemoteRepairOps');
      break;
    case 'compliance':
      // Read-only: accounts, audits and exports.
      can('read', 'User');
      can('read', 'Session');
      can(['read', 'export'], 'AuditEvent');
      can(['read', 'export'], 'Ledger');
      can('read', 'LedgerAdjustment');
      can('read', 'Order');
      can('read', 'PaymentOps');
      can('read', 'Fraud');
      can('read', 'RepairJob');
      can('read', 'RepairMedia');
      can('read', 'Call');
      can('read', 'ChatRoom');
      can('read', 'ChatOps');
      can('read', 'RemoteSession');
      can('read', 'RemoteRepairOps');
      can(['read', 'export'], 'StatutoryReturn');
      break;
    case 'cfo':
      // Read-only and money only (README "The `cfo` role"): the ledger and its export, adjustments,
      // orders and repair jobs as staff see them, payments, escrow, refunds, payouts, disputes,
      // reconciliation and alerts. Not accounts, audit log, fraud review, catalog, abuse or tracking;
      // no `create`, `update` or `approve` anywhere.
      can(['read', 'export'], 'Ledger');
      can('read', 'LedgerAdjustment');
      can('read', 'Order');
      can('read', 'PaymentOps');
      can('read', 'RepairJob');
      can('read', 'RepairMedia');
      can('read', 'StatutoryReturn');
      break;
    case 'finance':
      can('read', 'User');
      can(['read', 'export'], 'Ledger');
      can(['read', 'create', 'approve'], 'LedgerAdjustment');
      can('read', 'Order');
      can(['read', 'update'], 'PaymentOps');
      can(['read', 'update'], 'Fraud');
      can('read', 'RepairJob');
      can('read', 'RepairMedia');
      can('approve', 'PayeeSettlement');
      can(['read', 'export', 'update'], 'StatutoryReturn');
      break;
    case 'dealer':
      // Only an approved dealer sells (or buys); a pending, suspended or blocked dealer does nothing.
      if (principal.status === 'approved') {
        can(['create', 'read', 'update'], 'Listing', { dealerId: principal.userId });
        can(['read', 'update'], 'SubOrder', { dealerId: principal.userId });
        can('read', 'DealerStatement');
        can('read', 'TdsStatement');
        can(['read', 'update'], 'PayeeSettlement');
        can(['read', 'update'], 'Purchase');
        if (!principal.phoneUnverified) can('create', 'Purchase');
        can('read', 'RepairMedia');
        can(['create', 'read', 'update'], 'Review');
        can(['read', 'create'], 'ChatRoom', { memberIds: { $all: [principal.userId] } });
      }
      break;
    default:
      // customer, business, technician buy parts once approved (customers are approved at signup;
      // a business buyer waits for admin approval) and book repairs; an approved technician works
      // the repairs assigned to it. Placing an
      // order (checkout) also needs the account's phone, if it has one, verified.
      if (principal.status === 'approved') {
        can(['read', 'update'], 'Purchase');
        if (!principal.phoneUnverified) can('create', 'Purchase');
        can('read', 'RepairMedia');
        if (principal.role === 'technician') {
          can(['read', 'update'], 'PayeeSettlement');
          can(['read', 'update'], 'RepairWork');
          can('read', 'TechnicianStatement');
          can('read', 'TdsStatement');
        }
        if (principal.role === 'customer' || principal.role === 'business') {
          can('read', 'TechnicianSearch');
          can(['read', 'create', 'update'], 'RemoteConsent');
        }
        can(['create', 'read', 'update'], 'RemoteSession');
        can(['create', 'read', 'update'], 'Call');
        can(['create', 'read', 'update'], 'Review');
        can(['read', 'create'], 'ChatRoom', { memberIds: { $all: [principal.userId] } });
      }
      // A technician not (or no longer) approved reaches its presence routes and is told why it is refused.
      if (principal.role === 'technician') can('update', 'TechnicianPresence');
      break;
  }
  return build();
}

const allowedRoles = new Map<string, Role[]>();

/**
 * The roles whose approved accounts may do `action` on `subject` (either technician kind), read
 * from the rules above: what a refusal tells the caller the route is for.
 */
export function rolesAllowed(action: Action, subject: Subject): Role[] {
  const key = `${action} ${subject}`;
  let roles = allowedRoles.get(key);
  if (roles === undefined) {
    roles = ROLES.filter((role) =>
      (role === 'technician' ? (['hardware', 'software'] as const) : [null]).some((kind) =>
        defineAbilityFor({
          userId: '',
          sessionId: '',
          role,
          status: 'approved',
          technicianKind: kind,
        }).can(action, subject as AbilitySubject),
      ),
    );
    allowedRoles.set(key, roles);
  }
  return roles;
}
