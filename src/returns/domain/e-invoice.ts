/**
 * The e-invoice of a commission invoice or credit note to a registered recipient (B2B): the request
 * payload of the Invoice Registration Portal's "Generate IRN" API, e-invoice schema version 1.1
 * (INV-01). Generation only: nothing here calls the IRP. Pure; amounts come in integer paise and go
 * out in rupees with two decimals, as JSON numbers.
 *
 * The document is checked first against what the IRP refuses (the schema's lengths and patterns and
 * its tax rules); each failure is an `EInvoiceDataError` naming the field of `EInvoiceDocument`.
 */
import { isCalendarDate } from '../../common/calendar-date.js';
import { gstinStateCode, isValidGstin } from '../../common/gstin.js';
import { formatRupees } from '../../ledger/domain/money.js';
import { percentOf } from './returns.js';

export interface EInvoiceParty {
  readonly gstin: string;
  readonly legalName: string;
  readonly address1: string;
  readonly address2: string | null;
  readonly location: string;
  /** Six digits, not starting with 0 (`560001`). */
  readonly pincode: string;
  /** The GST state code, two digits (`29`): the GSTIN's first two. */
  readonly stateCode: string;
}

export interface EInvoiceDocument {
  readonly type: 'INV' | 'CRN';
  /** `FB/26-27/0000001` (invoice) or `CN/26-27/0000001` (credit note). */
  readonly number: string;
  /** IST date `YYYY-MM-DD`. */
  readonly date: string;
  readonly seller: EInvoiceParty;
  /** The place of supply is the buyer's state code (its GSTIN's state). */
  readonly buyer: EInvoiceParty;
  readonly supply: 'intra_state' | 'inter_state';
  /** The GST rate, a decimal string (`0.18`). */
  readonly gstRate: string;
  /** `Marketplace commission`, `Repair platform service fee`. */
  readonly description: string;
  /** Services accounting code: six digits starting with 99. */
  readonly sac: string;
  readonly taxableValuePaise: bigint;
  readonly igstPaise: bigint;
  readonly cgstPaise: bigint;
  readonly sgstPaise: bigint;
  readonly totalPaise: bigint;
  /** The invoice a credit note reduces: required for a credit note, refused on an invoice. */
  readonly precedingInvoice?: { readonly number: string; readonly date: string };
}

/** A document the IRP would refuse; `field` names the offending field (`buyer.pincode`). */
export class EInvoiceDataError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
    this.name = 'EInvoiceDataError';
  }
}

const E_INVOICE_SCHEMA_VERSION = '1.1';

/** `DocDtls.No`: 1–16 of letters, digits, `/` and `-`, not starting with 0, `/` or `-`. */
const DOCUMENT_NUMBER = /^[A-Za-z1-9][A-Za-z0-9/-]{0,15}$/;
/** `PrecDocDtls.InvNo`: the same characters, 2–16 of them. */
const PRECEDING_NUMBER = /^[A-Za-z1-9][A-Za-z0-9/-]{1,15}$/;
const PINCODE = /^[1-9][0-9]{5}$/;
/** Two digits, not `00`. */
const STATE_CODE = /^(?!00)[0-9]{2}$/;
const SAC = /^99[0-9]{4}$/;
/** The largest amount of an item in the schema: ₹999,999,999,999.99. */
const MAX_ITEM_PAISE = 99_999_999_999_999n;
/** `GstRt` is a percentage of at most 999.999 with three decimals. */
const GST_RATE_PERCENT = /^[0-9]{1,3}(\.[0-9]{1,3})?$/;

function refuse(field: string, message: string): never {
  throw new EInvoiceDataError(field, message);
}

/** The schema's text fields: a length in characters and no double quote. */
function checkText(field: string, value: string, min: number, max: number): void {
  const length = [...value].length;
  if (length < min || length > max) refuse(field, `must be ${min}–${max} characters`);
  if (value.includes('"')) refuse(field, 'must not contain a double quote');
}

function checkParty(role: 'seller' | 'buyer', p: EInvoiceParty): void {
  if (!isValidGstin(p.gstin)) refuse(`${role}.gstin`, 'not a valid GSTIN');
  checkText(`${role}.legalName`, p.legalName, 3, 100);
  checkText(`${role}.address1`, p.address1, 1, 100);
  if (p.address2 !== null) checkText(`${role}.address2`, p.address2, 3, 100);
  checkText(`${role}.location`, p.location, 3, 50);
  if (!PINCODE.test(p.pincode)) refuse(`${role}.pincode`, 'must be 6 digits not starting with 0');
  if (!STATE_CODE.test(p.stateCode)) refuse(`${role}.stateCode`, 'must be a two-digit state code');
  if (p.stateCode !== gstinStateCode(p.gstin))
    refuse(`${role}.stateCode`, "must be the GSTIN's state code");
}

function checkAmounts(doc: EInvoiceDocument): void {
  const amounts = [
    ['taxableValuePaise', doc.taxableValuePaise],
    ['igstPaise', doc.igstPaise],
    ['cgstPaise', doc.cgstPaise],
    ['sgstPaise', doc.sgstPaise],
    ['totalPaise', doc.totalPaise],
  ] as const;
  for (const [field, paise] of amounts) {
    if (paise < 0n) refuse(field, 'must not be negative');
    if (paise > MAX_ITEM_PAISE) refuse(field, 'must be at most ₹999,999,999,999.99');
  }
  if (doc.supply === 'intra_state') {
    if (doc.seller.stateCode !== doc.buyer.stateCode)
      refuse('supply', 'intra-state: seller and buyer must be in the same state');
    if (doc.igstPaise !== 0n) refuse('igstPaise', 'must be 0 on an intra-state supply');
  } else {
    if (doc.seller.stateCode === doc.buyer.stateCode)
      refuse('supply', 'inter-state: seller and buyer must be in different states');
    if (doc.cgstPaise !== 0n) refuse('cgstPaise', 'must be 0 on an inter-state supply');
    if (doc.sgstPaise !== 0n) refuse('sgstPaise', 'must be 0 on an inter-state supply');
  }
  const sum = doc.taxableValuePaise + doc.igstPaise + doc.cgstPaise + doc.sgstPaise;
  if (doc.totalPaise !== sum) refuse('totalPaise', 'must be the taxable value plus the taxes');
}

function check(doc: EInvoiceDocument): void {
  if (!DOCUMENT_NUMBER.test(doc.number))
    refuse('number', 'must be 1–16 of A–Z, a–z, 0–9, / and -, not starting with 0, / or -');
  if (!isCalendarDate(doc.date)) refuse('date', 'must be a date YYYY-MM-DD');
  checkParty('seller', doc.seller);
  checkParty('buyer', doc.buyer);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(doc.gstRate) || !GST_RATE_PERCENT.test(percentOf(doc.gstRate)))
    refuse('gstRate', 'must be a decimal rate of at most 9.99999 with at most five decimals');
  checkText('description', doc.description, 3, 300);
  if (!SAC.test(doc.sac)) refuse('sac', 'must be 6 digits starting with 99');
  checkAmounts(doc);
  const preceding = doc.precedingInvoice;
  if (doc.type === 'CRN') {
    if (preceding === undefined) refuse('precedingInvoice', 'a credit note needs its invoice');
    if (!PRECEDING_NUMBER.test(preceding.number))
      refuse('precedingInvoice.number', 'must be 2–16 of A–Z, a–z, 0–9, / and -');
    if (!isCalendarDate(preceding.date))
      refuse('precedingInvoice.date', 'must be a date YYYY-MM-DD');
  } else if (preceding !== undefined) {
    refuse('precedingInvoice', 'only a credit note refers to a preceding invoice');
  }
}

/** `2026-11-06` → `06/11/2026`. */
const ddmmyyyy = (isoDate: string) =>
  `${isoDate.slice(8, 10)}/${isoDate.slice(5, 7)}/${isoDate.slice(0, 4)}`;

/** Paise → rupees with two decimals, as a JSON number (exact below 2^53 paise). */
const rupees = (paise: bigint) => Number(formatRupees(paise));

function party(p: EInvoiceParty): Record<string, unknown> {
  return {
    Gstin: p.gstin,
    LglNm: p.legalName,
    Addr1: p.address1,
    ...(p.address2 === null ? {} : { Addr2: p.address2 }),
    Loc: p.location,
    Pin: Number(p.pincode),
    Stcd: p.stateCode,
  };
}

/**
 * The "Generate IRN" request payload: `TranDtls` (GST, B2B, no reverse charge, no IGST on an
 * intra-state supply), `DocDtls`, `SellerDtls`, `BuyerDtls` (with `Pos`, the place of supply), one
 * service item (`HsnCd` is the SAC), `ValDtls` (no cess, discount, other charges or rounding) and,
 * for a credit note, `RefDtls.PrecDocDtls` (the invoice it reduces). Throws `EInvoiceDataError`.
 */
export function eInvoiceJson(doc: EInvoiceDocument): Record<string, unknown> {
  check(doc);
  const taxable = rupees(doc.taxableValuePaise);
  const [igst, cgst, sgst] = [doc.igstPaise, doc.cgstPaise, doc.sgstPaise].map(rupees);
  const total = rupees(doc.totalPaise);
  // Present on a credit note only (checked above).
  const preceding = doc.precedingInvoice;
  return {
    Version: E_INVOICE_SCHEMA_VERSION,
    TranDtls: { TaxSch: 'GST', SupTyp: 'B2B', RegRev: 'N', IgstOnIntra: 'N' },
    DocDtls: { Typ: doc.type, No: doc.number, Dt: ddmmyyyy(doc.date) },
    SellerDtls: party(doc.seller),
    BuyerDtls: { ...party(doc.buyer), Pos: doc.buyer.stateCode },
    ItemList: [
      {
        SlNo: '1',
        PrdDesc: doc.description,
        IsServc: 'Y',
        HsnCd: doc.sac,
        UnitPrice: taxable,
        TotAmt: taxable,
        AssAmt: taxable,
        GstRt: Number(percentOf(doc.gstRate)),
        IgstAmt: igst,
        CgstAmt: cgst,
        SgstAmt: sgst,
        CesRt: 0,
        CesAmt: 0,
        TotItemVal: total,
      },
    ],
    ValDtls: {
      AssVal: taxable,
      CgstVal: cgst,
      SgstVal: sgst,
      IgstVal: igst,
      CesVal: 0,
      StCesVal: 0,
      Discount: 0,
      OthChrg: 0,
      RndOffAmt: 0,
      TotInvVal: total,
    },
    ...(preceding === undefined
      ? {}
      : {
          RefDtls: {
            PrecDocDtls: [{ InvNo: preceding.number, InvDt: ddmmyyyy(preceding.date) }],
          },
        }),
  };
}
