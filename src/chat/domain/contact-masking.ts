/**
 * Keeps a conversation on the platform (escrow protects only payments made through it): contact
 * details and payment links in a chat message are replaced by a placeholder before it is stored or
 * delivered, and the sender is told what was masked.
 *
 * What is masked, in this order (a payment link's `pa=x@bank` is part of the link, not a UPI id):
 * - payment links: `upi://…`; links to Razorpay (`rzp.io`, `razorpay.me`, `pages.razorpay.com`),
 *   Paytm, PhonePe, Google Pay, PayU, Cashfree, Instamojo, BharatPe; any other link whose host or
 *   path has a `pay` word (`https://shop.example/pay/123`, `payments.example.in`);
 * - e-mail addresses;
 * - UPI ids (`name@okhdfcbank`, `98xxxxxx10@ybl`): `x@handle` where the handle is letters and digits
 *   without a dot;
 * - phone numbers: digit groups separated by spaces, dots, dashes or brackets whose digits are an
 *   Indian mobile (10 digits from 6–9, optionally after `+91`, `91` or `0`) or a landline with its
 *   STD code (11 digits from `0`). A group is never split: an IMEI (15 digits), an order number or a
 *   price (`₹12,500`, `1,299.00`) is left alone.
 *
 * Known limits (documented in the README): numbers spelled out in words, digits spread over several
 * messages, e-mail addresses written out (`name at gmail dot com`), and a 10-digit number from 6–9
 * that is not a phone (it is masked).
 */

export const MASK_KINDS = ['payment_link', 'email', 'upi', 'phone'] as const;
export type MaskKind = (typeof MASK_KINDS)[number];

export const MASK_PLACEHOLDERS: Record<MaskKind, string> = {
  payment_link: '[payment link hidden]',
  email: '[email hidden]',
  upi: '[UPI id hidden]',
  phone: '[phone number hidden]',
};

export interface MaskedText {
  text: string;
  /** What was masked, each kind once, in MASK_KINDS order. */
  masked: MaskKind[];
}

const PAYMENT_HOSTS =
  /(?:^|\.)(?:rzp\.io|razorpay\.(?:me|com)|paytm\.(?:me|com|in)|phon\.pe|phonepe\.com|pay\.google\.com|gpay\.app\.goo\.gl|payu\.in|payumoney\.com|cashfree\.com|cfre\.in|instamojo\.com|imjo\.in|bharatpe\.(?:com|in))$/i;
const PAY_WORD = /(?:^|[./_-])pay(?:ment|ments|now|link|me)?(?:[./_-]|$)/i;
const UPI_LINK = /\bupi:\/\/\S+/gi;
/** A link with a scheme or `www.`, or a bare host with a path (`rzp.io/l/abc`). */
const LINK = /\b(?:https?:\/\/[^\s<>"]+|www\.[^\s<>"]+|(?:[a-z0-9-]+\.)+[a-z]{2,}\/[^\s<>"]*)/gi;
const EMAIL = /\b[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9-]+\.)+[A-Za-z]{2,}\b/g;
const UPI_ID =
  /(?<![\w.@-])[A-Za-z0-9][A-Za-z0-9._-]{1,255}@[A-Za-z][A-Za-z0-9]{1,63}\b(?![.@-]?\w)/g;
/** Digit groups joined by at most two separators; `+` may lead. */
const DIGIT_RUN = /(?<![\w.,])\+?\s?\d+(?:[\s.()-]{1,2}\d+)*(?![\w]|[.,]\d)/g;

function isPaymentLink(link: string): boolean {
  const withScheme = /^[a-z]+:\/\//i.test(link) ? link : `https://${link}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return false;
  }
  return (
    PAYMENT_HOSTS.test(url.hostname) || PAY_WORD.test(url.hostname) || PAY_WORD.test(url.pathname)
  );
}

function isPhoneDigits(digits: string, plus: boolean): boolean {
  if (plus) return /^91[6-9]\d{9}$/.test(digits);
  return (
    /^[6-9]\d{9}$/.test(digits) ||
    /^0[6-9]\d{9}$/.test(digits) ||
    /^91[6-9]\d{9}$/.test(digits) ||
    /^0[1-5]\d{9}$/.test(digits)
  );
}

/** Masks the phone numbers in one run of digit groups: whole groups only, leftmost first. */
function maskDigitRun(run: string): string | null {
  const parts = run.split(/(\d+)/); // separators at even indexes, groups at odd ones
  const groups: number[] = [];
  for (let i = 1; i < parts.length; i += 2) groups.push(i);
  let changed = false;
  for (let a = 0; a < groups.length; a++) {
    let digits = '';
    for (let b = a; b < groups.length; b++) {
      digits += parts[groups[b]!];
      if (digits.length > 12) break;
      const plus = a === 0 ? parts[0]!.includes('+') : false;
      if (!isPhoneDigits(digits, plus)) continue;
      parts[groups[a]!] = MASK_PLACEHOLDERS.phone;
      for (let c = a + 1; c <= b; c++) {
        parts[groups[c]! - 1] = '';
        parts[groups[c]!] = '';
      }
      if (a === 0) parts[0] = parts[0]!.replace(/\+\s?/, '');
      changed = true;
      a = b;
      break;
    }
  }
  return changed ? parts.join('') : null;
}

/** The text with contact details and payment links masked, and what was masked. */
export function maskContacts(input: string): MaskedText {
  const found = new Set<MaskKind>();
  const mark = (kind: MaskKind) => {
    found.add(kind);
    return MASK_PLACEHOLDERS[kind];
  };
  let text = input.replace(UPI_LINK, () => mark('payment_link'));
  text = text.replace(LINK, (link) => (isPaymentLink(link) ? mark('payment_link') : link));
  text = text.replace(EMAIL, () => mark('email'));
  text = text.replace(UPI_ID, () => mark('upi'));
  text = text.replace(DIGIT_RUN, (run) => {
    const masked = maskDigitRun(run);
    if (masked === null) return run;
    found.add('phone');
    return masked;
  });
  return { text, masked: MASK_KINDS.filter((k) => found.has(k)) };
}
