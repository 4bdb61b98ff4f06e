import { MASK_PLACEHOLDERS, maskContacts, type MaskKind } from './contact-masking.js';

const PHONE = MASK_PLACEHOLDERS.phone;

describe('maskContacts: phone numbers', () => {
  it.each([
    ['9876543210', PHONE],
    ['call me 9876543210 now', `call me ${PHONE} now`],
    ['+91 98765 43210', PHONE],
    ['+91-98765-43210', PHONE],
    ['+919876543210', PHONE],
    ['+91 9876543210.', `${PHONE}.`],
    ['91 98765 43210', PHONE],
    ['098765 43210', PHONE],
    ['98765-43210', PHONE],
    ['98 76 54 32 10', PHONE],
    ['987.654.3210', PHONE],
    ['(+91) 98765 43210', `(${PHONE}`],
    ['my no: 7012345678, whatsapp 6012345678', `my no: ${PHONE}, whatsapp ${PHONE}`],
    ['landline 080-23456789', `landline ${PHONE}`],
    ['qty 2 9876543210', `qty 2 ${PHONE}`],
    ['9 8 7 6 5 4 3 2 1 0', PHONE],
    ['₹500 98765 43210', `₹500 ${PHONE}`],
    ['whatsapp wa.me/919876543210', `whatsapp wa.me/${PHONE}`],
    ['call 0 98765 43210', `call ${PHONE}`],
  ])('%s', (input, expected) => {
    const r = maskContacts(input);
    expect(r.text).toBe(expected);
    expect(r.masked).toEqual(['phone']);
  });
});

describe('maskContacts: e-mail, UPI ids, payment links', () => {
  it.each<[string, string, MaskKind[]]>([
    ['mail ravi.kumar@gmail.com please', 'mail [email hidden] please', ['email']],
    ['RAVI_K+repairs@shop.co.in', '[email hidden]', ['email']],
    ['pay to ravi@okhdfcbank', 'pay to [UPI id hidden]', ['upi']],
    ['9876543210@ybl', '[UPI id hidden]', ['upi']],
    ['upi id: shop.name-1@paytm.', 'upi id: [UPI id hidden].', ['upi']],
    ['upi://pay?pa=ravi@okicici&pn=Ravi&am=500', '[payment link hidden]', ['payment_link']],
    ['https://rzp.io/l/abc123', '[payment link hidden]', ['payment_link']],
    ['rzp.io/l/abc123 is the link', '[payment link hidden] is the link', ['payment_link']],
    ['https://razorpay.me/@repairshop', '[payment link hidden]', ['payment_link']],
    ['https://paytm.me/x-AbCd', '[payment link hidden]', ['payment_link']],
    ['https://phon.pe/ru_ravi123', '[payment link hidden]', ['payment_link']],
    ['https://pay.google.com/about', '[payment link hidden]', ['payment_link']],
    ['www.shop-example.in/pay/123', '[payment link hidden]', ['payment_link']],
    ['https://payments.example.in/x', '[payment link hidden]', ['payment_link']],
    ['gpay 9876543210 or ravi@oksbi', `gpay ${PHONE} or [UPI id hidden]`, ['upi', 'phone']],
  ])('%s', (input, expected, kinds) => {
    const r = maskContacts(input);
    expect(r.text).toBe(expected);
    expect(r.masked).toEqual(kinds);
  });
});

describe('maskContacts: what a repair chat says and keeps', () => {
  it.each([
    'IMEI 356938035643809 for the Galaxy',
    'IMEI: 35-693803-564380-9',
    'order FB-2026-0012345 shipped',
    'sub-order 3f2a9c1e-7b4d-4e8f-9a1b-2c3d4e5f6a7b',
    'total ₹12,500 with GST',
    'price 1,299.00 incl. delivery',
    'Rs 4500/- for the screen',
    'pincode 560001, Bengaluru',
    'come at 10:30 on 07-12-2026',
    'model SM-A546E, 8 GB / 128 GB',
    'battery 5000 mAh, 25 W charger',
    'invoice 2026/12/000123',
    'serial R58N12ABCDE',
    'see https://www.samsung.com/in/support/ for the manual',
    'email me? no, chat here is fine',
    'ratio 16:9 screen, 120 Hz',
    'tracking 123456789012 by DTDC',
    '@ravi see above',
  ])('%s', (input) => {
    expect(maskContacts(input)).toEqual({ text: input, masked: [] });
  });
});
