import type { ApiRoute } from './lib/access';

/**
 * The console's pages. A page is one folder under src/app/(console)/ plus its line here: the API
 * route it reads decides who sees it in the navigation (and who may open it), by the API's own rules.
 */
export interface NavPage {
  href: string;
  label: string;
  route: ApiRoute;
}

export const PAGES: NavPage[] = [
  { href: '/', label: 'Home', route: 'GET /me' },
  { href: '/ledger', label: 'Ledger', route: 'GET /ledger/trial-balance' },
  { href: '/audit', label: 'Audit', route: 'GET /audit/events' },
  { href: '/escrow', label: 'Escrow', route: 'GET /admin/escrow/holds' },
  { href: '/reconciliation', label: 'Reconciliation', route: 'GET /admin/reconciliation/runs' },
  { href: '/orders', label: 'Orders', route: 'GET /admin/orders' },
  { href: '/catalog', label: 'Catalog', route: 'GET /admin/listings' },
  { href: '/payouts', label: 'Payouts', route: 'GET /admin/payouts' },
  { href: '/repairs', label: 'Repairs', route: 'GET /admin/repairs' },
  { href: '/disputes', label: 'Disputes', route: 'GET /admin/disputes' },
  { href: '/remote-sessions', label: 'Remote sessions', route: 'GET /admin/remote-sessions' },
  { href: '/chat', label: 'Chat', route: 'GET /chat/rooms/{kind}/{subjectId}/messages' },
  { href: '/chat-reports', label: 'Chat reports', route: 'GET /admin/chat/reports' },
  { href: '/calls', label: 'Calls', route: 'GET /admin/calls' },
  { href: '/alerts', label: 'Alerts', route: 'GET /admin/payment-alerts' },
  { href: '/abuse', label: 'Abuse blocks', route: 'GET /admin/abuse/blocks' },
  { href: '/approvals', label: 'Approvals', route: 'GET /admin/approvals' },
];
