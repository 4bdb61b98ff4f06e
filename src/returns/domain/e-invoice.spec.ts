import { EInvoiceDataError, type EInvoiceDocument, eInvoiceJson } from './e-invoice.js';

/** The platform, registered in Karnataka (29). */
const platform = {
  gstin: '29FIXBZ0000A1ZY',
  legalName: 'FixBazaar Technologies Private Limited',
  address1: '12 Residency Road',
  address2: 'Third Floor',
  location: 'Bengaluru',
  pincode: '560025',
  stateCode: '29',
};

/** A dealer in Karnataka. */
const dealerKa = {
  gstin: '29AAGCB7383J1Z4',
  legalName: 'Bharat Mobile Care LLP',
  address1: '44 MG Road',
  address2: 'Shop 3',
  location: 'Mysuru',
  pincode: '570001',
  stateCode: '29',
};

/** A technician's firm in Maharashtra (27), with no second address line. */
const firmMh = {
  gstin: '27AAACR5055K1Z7',
  legalName: 'Rao Repairs Private Limited',
  address1: '7 Linking Road',
  address2: null,
  location: 'Mumbai',
  pincode: '400050',
  stateCode: '27',
};

/**
 * Commission of ₹148.00 at 18 %: GST 14,800 × 0.18 = 2,664 paise, intra-state so CGST 1,332 and
 * SGST 1,332; total 14,800 + 2,664 = 17,464 paise.
 */
const invoice: EInvoiceDocument = {
  type: 'INV',
  number: 'FB/26-27/0000001',
  date: '2026-11-06',
  seller: platform,
  buyer: dealerKa,
  supply: 'intra_state',
  gstRate: '0.18',
  description: 'Marketplace commission',
  sac: '998599',
  taxableValuePaise: 14_800n,
  igstPaise: 0n,
  cgstPaise: 1_332n,
  sgstPaise: 1_332n,
  totalPaise: 17_464n,
};

/**
 * Service fee of ₹111.05 given back at 18 %: 11,105 × 0.18 = 1,998.9 → IGST 1,999 paise (inter-state);
 * total 11,105 + 1,999 = 13,104 paise.
 */
const creditNote: EInvoiceDocument = {
  type: 'CRN',
  number: 'CN/26-27/0000001',
  date: '2027-01-04',
  seller: platform,
  buyer: firmMh,
  supply: 'inter_state',
  gstRate: '0.1800',
  description: 'Repair platform service fee',
  sac: '998599',
  taxableValuePaise: 11_105n,
  igstPaise: 1_999n,
  cgstPaise: 0n,
  sgstPaise: 0n,
  totalPaise: 13_104n,
  precedingInvoice: { number: 'FB/26-27/0000042', date: '2026-12-28' },
};

/** The field an `EInvoiceDataError` names, or `null` when the document is accepted. */
function refusedField(doc: EInvoiceDocument): string | null {
  try {
    eInvoiceJson(doc);
    return null;
  } catch (e) {
    if (e instanceof EInvoiceDataError) return e.field;
    throw e;
  }
}

describe('e-invoice JSON (IRP schema 1.1)', () => {
  it('writes an intra-state invoice: CGST + SGST, amounts in rupees, date dd/mm/yyyy', () => {
    expect(eInvoiceJson(invoice)).toStrictEqual({
      Version: '1.1',
      TranDtls: { TaxSch: 'GST', SupTyp: 'B2B', RegRev: 'N', IgstOnIntra: 'N' },
      DocDtls: { Typ: 'INV', No: 'FB/26-27/0000001', Dt: '06/11/2026' },
      SellerDtls: {
        Gstin: '29FIXBZ0000A1ZY',
        LglNm: 'FixBazaar Technologies Private Limited',
        Addr1: '12 Residency Road',
        Addr2: 'Third Floor',
        Loc: 'Bengaluru',
        Pin: 560025,
        Stcd: '29',
      },
      BuyerDtls: {
        Gstin: '29AAGCB7383J1Z4',
        LglNm: 'Bharat Mobile Care LLP',
        Addr1: '44 MG Road',
        Addr2: 'Shop 3',
        Loc: 'Mysuru',
        Pin: 570001,
        Stcd: '29',
        Pos: '29',
      },
      ItemList: [
        {
          SlNo: '1',
          PrdDesc: 'Marketplace commission',
          IsServc: 'Y',
          HsnCd: '998599',
          UnitPrice: 148,
          TotAmt: 148,
          AssAmt: 148,
          GstRt: 18,
          IgstAmt: 0,
          CgstAmt: 13.32,
          SgstAmt: 13.32,
          CesRt: 0,
          CesAmt: 0,
          TotItemVal: 174.64,
        },
      ],
      ValDtls: {
        AssVal: 148,
        CgstVal: 13.32,
        SgstVal: 13.32,
        IgstVal: 0,
        CesVal: 0,
        StCesVal: 0,
        Discount: 0,
        OthChrg: 0,
        RndOffAmt: 0,
        TotInvVal: 174.64,
      },
    });
  });

  it('writes an inter-state credit note: IGST, its preceding invoice, no Addr2 when there is none', () => {
    const json = eInvoiceJson(creditNote);
    expect(json.DocDtls).toStrictEqual({ Typ: 'CRN', No: 'CN/26-27/0000001', Dt: '04/01/2027' });
    expect(json.BuyerDtls).toStrictEqual({
      Gstin: '27AAACR5055K1Z7',
      LglNm: 'Rao Repairs Private Limited',
      Addr1: '7 Linking Road',
      Loc: 'Mumbai',
      Pin: 400050,
      Stcd: '27',
      Pos: '27',
    });
    expect(json.ItemList).toStrictEqual([
      {
        SlNo: '1',
        PrdDesc: 'Repair platform service fee',
        IsServc: 'Y',
        HsnCd: '998599',
        UnitPrice: 111.05,
        TotAmt: 111.05,
        AssAmt: 111.05,
        GstRt: 18,
        IgstAmt: 19.99,
        CgstAmt: 0,
        SgstAmt: 0,
        CesRt: 0,
        CesAmt: 0,
        TotItemVal: 131.04,
      },
    ]);
    expect(json.ValDtls).toStrictEqual({
      AssVal: 111.05,
      CgstVal: 0,
      SgstVal: 0,
      IgstVal: 19.99,
      CesVal: 0,
      StCesVal: 0,
      Discount: 0,
      OthChrg: 0,
      RndOffAmt: 0,
      TotInvVal: 131.04,
    });
    expect(json.RefDtls).toStrictEqual({
      PrecDocDtls: [{ InvNo: 'FB/26-27/0000042', InvDt: '28/12/2026' }],
    });
    expect(JSON.stringify(json.ValDtls)).toContain('"AssVal":111.05,');
  });

  it('has no RefDtls on an invoice', () => {
    expect(eInvoiceJson(invoice)).not.toHaveProperty('RefDtls');
  });

  const long = (n: number) => 'x'.repeat(n);
  const seller = (p: Partial<EInvoiceDocument['seller']>) => ({ seller: { ...platform, ...p } });
  const buyer = (p: Partial<EInvoiceDocument['buyer']>) => ({ buyer: { ...dealerKa, ...p } });
  const cases: [string, string, Partial<EInvoiceDocument>][] = [
    ['number', 'starting with 0', { number: '0B/26-27/0000001' }],
    ['number', 'starting with /', { number: '/FB/26-27/000001' }],
    ['number', 'starting with -', { number: '-FB/26-27/000001' }],
    ['number', '17 characters', { number: 'FB/26-27/00000001' }],
    ['number', 'a space', { number: 'FB 26-27' }],
    ['number', 'empty', { number: '' }],
    ['date', 'a day that does not exist', { date: '2026-02-30' }],
    ['date', 'dd/mm/yyyy given', { date: '06/11/2026' }],
    ['seller.gstin', 'a wrong check character', seller({ gstin: '29FIXBZ0000A1Z0' })],
    ['buyer.gstin', 'a malformed GSTIN', buyer({ gstin: '29AAGCB7383J1Z' })],
    ['seller.legalName', '2 characters', seller({ legalName: 'FB' })],
    ['buyer.legalName', '101 characters', buyer({ legalName: long(101) })],
    ['buyer.legalName', 'a double quote', buyer({ legalName: 'The "Best" Repairs' })],
    ['seller.address1', 'empty', seller({ address1: '' })],
    ['buyer.address1', '101 characters', buyer({ address1: long(101) })],
    ['buyer.address2', '2 characters', buyer({ address2: 'B2' })],
    ['seller.location', '2 characters', seller({ location: 'BL' })],
    ['buyer.location', '51 characters', buyer({ location: long(51) })],
    ['buyer.pincode', 'starting with 0', buyer({ pincode: '057000' })],
    ['buyer.pincode', '5 digits', buyer({ pincode: '57000' })],
    ['seller.pincode', '7 digits', seller({ pincode: '5600251' })],
    ['buyer.stateCode', 'one digit', buyer({ stateCode: '9' })],
    ['buyer.stateCode', '00', buyer({ stateCode: '00' })],
    ['seller.stateCode', "not the GSTIN's state", seller({ stateCode: '27' })],
    ['gstRate', 'a percentage given', { gstRate: '18' }],
    ['gstRate', 'a negative rate', { gstRate: '-0.18' }],
    ['gstRate', 'more than three decimals as a percentage', { gstRate: '0.123456' }],
    ['description', '2 characters', { description: 'Fe' }],
    ['sac', '5 digits', { sac: '99859' }],
    ['sac', 'not starting with 99 (a goods HSN code)', { sac: '851712' }],
    ['sac', 'a letter', { sac: '99859X' }],
    ['supply', 'intra-state between two states', { buyer: firmMh }],
    ['igstPaise', 'IGST on an intra-state supply', { igstPaise: 100n, totalPaise: 17_564n }],
    [
      'supply',
      'inter-state within one state',
      { supply: 'inter_state', igstPaise: 2_664n, cgstPaise: 0n, sgstPaise: 0n },
    ],
    ['cgstPaise', 'CGST on an inter-state supply', { buyer: firmMh, supply: 'inter_state' }],
    [
      'sgstPaise',
      'SGST on an inter-state supply',
      { buyer: firmMh, supply: 'inter_state', cgstPaise: 0n, igstPaise: 1_332n },
    ],
    ['totalPaise', 'a total one paisa off', { totalPaise: 17_465n }],
    ['taxableValuePaise', 'a negative taxable value', { taxableValuePaise: -14_800n }],
    ['cgstPaise', 'a negative CGST', { cgstPaise: -1n }],
    [
      'taxableValuePaise',
      'more than ₹999,999,999,999.99',
      { taxableValuePaise: 100_000_000_000_000n },
    ],
    [
      'precedingInvoice',
      'an invoice with a preceding invoice',
      { precedingInvoice: creditNote.precedingInvoice },
    ],
  ];

  it.each(cases)('refuses %s: %s', (field, _what, change) => {
    expect(refusedField({ ...invoice, ...change })).toBe(field);
  });

  it.each([
    ['precedingInvoice', 'a credit note without its invoice', { precedingInvoice: undefined }],
    [
      'precedingInvoice.number',
      'one character',
      { precedingInvoice: { number: 'F', date: '2026-12-28' } },
    ],
    [
      'precedingInvoice.date',
      'a malformed date',
      { precedingInvoice: { number: 'FB/26-27/0000042', date: '2026-12-32' } },
    ],
  ] as [string, string, Partial<EInvoiceDocument>][])('refuses %s: %s', (field, _what, change) => {
    expect(refusedField({ ...creditNote, ...change })).toBe(field);
  });

  it('accepts the limits: a 3-character name, a 50-character location, ₹999,999,999,999.99', () => {
    const doc: EInvoiceDocument = {
      ...creditNote,
      buyer: { ...firmMh, legalName: 'Rao', address1: 'x', location: long(50) },
      gstRate: '0',
      taxableValuePaise: 99_999_999_999_999n,
      igstPaise: 0n,
      totalPaise: 99_999_999_999_999n,
    };
    const json = eInvoiceJson(doc);
    expect(json.ValDtls).toMatchObject({
      AssVal: 999_999_999_999.99,
      TotInvVal: 999_999_999_999.99,
    });
    expect(json.ItemList).toMatchObject([{ GstRt: 0, IgstAmt: 0 }]);
  });

  it('names the field in the message', () => {
    expect(() => eInvoiceJson({ ...invoice, sac: '851712' })).toThrow(
      'sac: must be 6 digits starting with 99',
    );
  });
});
