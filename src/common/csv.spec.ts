import { parse } from 'csv-parse/sync';
import { csvChunks, type CsvCell } from './csv.js';

async function csvOf(columns: string[], records: CsvCell[][]): Promise<string> {
  async function* source() {
    yield* records;
  }
  let out = '';
  for await (const chunk of csvChunks(columns, source())) out += chunk;
  return out;
}

describe('csv', () => {
  it('writes a header, leaves plain values alone and writes null as an empty cell', async () => {
    expect(await csvOf(['a', 'b', 'c', 'd', 'e'], [['user.approve', 42, false, null, '']])).toBe(
      'a,b,c,d,e\r\nuser.approve,42,false,,\r\n',
    );
  });

  it('quotes cells with commas, quotes, CR or LF and doubles the quotes (RFC 4180)', async () => {
    const csv = await csvOf(['x'], [['a,b'], ['say "hi"'], ['l1\nl2'], ['l1\rl2'], ['{"a":1}']]);
    expect(csv).toBe('x\r\n"a,b"\r\n"say ""hi"""\r\n"l1\nl2"\r\n"l1\rl2"\r\n"{""a"":1}"\r\n');
  });

  it('neutralises spreadsheet formulas with a leading quote', async () => {
    const cells = ['=HYPERLINK("http://evil","x")', '+1+1', '-2+3', '@SUM(A1)', '\tcmd', '\r=1'];
    const csv = await csvOf(['x'], [...cells.map((c) => [c]), ['a=b'], ['＝1']]);
    expect(csv.split('\r\n').slice(1, -1)).toEqual([
      '"\'=HYPERLINK(""http://evil"",""x"")"',
      "'+1+1",
      "'-2+3",
      "'@SUM(A1)",
      "'\tcmd",
      '"\'\r=1"',
      'a=b',
      "'＝1",
    ]);
  });

  it('round-trips through a strict RFC 4180 parser', async () => {
    const values = ['x', 'a "quoted", value', 'multi\nline', '', '=cmd|calc'];
    const csv = await csvOf(['a', 'b', 'c', 'd', 'e'], [values]);
    expect(parse(csv, { record_delimiter: '\r\n' })).toEqual([
      ['a', 'b', 'c', 'd', 'e'],
      ['x', 'a "quoted", value', 'multi\nline', '', "'=cmd|calc"],
    ]);
  });

  it('stops its source when the reader stops early', async () => {
    let finished = false;
    async function* endless() {
      try {
        for (let i = 0; ; i++) yield [String(i)];
      } finally {
        finished = true;
      }
    }
    for await (const chunk of csvChunks(['n'], endless())) if (chunk.includes('100')) break;
    await new Promise((resolve) => setImmediate(resolve));
    expect(finished).toBe(true);
  });
});
