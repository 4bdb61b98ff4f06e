/**
 * The terminal's queue (src/payments/terminal/payment-terminal.service.ts): every minute, and sent in
 * the transaction that closes a request, it expires live requests past their expiry and cancels at
 * the gateway the links and QR codes closed on our side.
 */
export const TERMINAL_JOBS = { close: 'payments.terminal-close' } as const;
