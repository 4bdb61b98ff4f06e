import { csvCell, csvRow } from './csv.js';

describe('csv', () => {
  it('leaves plain values alone and writes null as an empty cell', () => {
    expect(csvCell('user.approve')).toBe('user.approve');
    expect(csvCell(42)).toBe('42');
    expect(csvCell(false)).toBe('false');
    expect(csvCell(null)).toBe('');
    expect(csvCell('')).toBe('');
  });

  it('quotes cells with commas, quotes, CR or LF and doubles the quotes (RFC 4180)', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line1\nline2')).toBe('"line1\nline2"');
    expect(csvCell('line1\r\nline2')).toBe('"line1\r\nline2"');
    expect(csvCell('{"a":1,"b":"x"}')).toBe('"{""a"":1,""b"":""x""}"');
  });

  it('neutralises spreadsheet formulas with a leading quote', () => {
    expect(csvCell('=HYPERLINK("http://evil","x")')).toBe('"\'=HYPERLINK(""http://evil"",""x"")"');
    expect(csvCell('+1+1')).toBe("'+1+1");
    expect(csvCell('-2+3')).toBe("'-2+3");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('\tcmd')).toBe("'\tcmd");
    expect(csvCell('\r=1')).toBe('"\'\r=1"');
    expect(csvCell('a=b')).toBe('a=b');
  });

  it('ends each record with CRLF', () => {
    expect(csvRow(['a', null, 'b,c', 1])).toBe('a,,"b,c",1\r\n');
  });

  it('round-trips through a strict RFC 4180 parser', () => {
    const values = ['x', 'a "quoted", value', 'multi\nline', '', '=cmd|calc'];
    expect(parseCsvRecord(csvRow(values))).toEqual([
      'x',
      'a "quoted", value',
      'multi\nline',
      '',
      "'=cmd|calc",
    ]);
  });
});

/** A minimal RFC 4180 parser for one CRLF-terminated record (test oracle). */
function parseCsvRecord(text: string): string[] {
  const cells: string[] = [];
  let i = 0;
  for (;;) {
    let cell = '';
    if (text[i] === '"') {
      i++;
      for (;;) {
        if (text[i] === '"' && text[i + 1] === '"') {
          cell += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else {
          cell += text[i++];
        }
      }
    } else {
      while (text[i] !== ',' && text[i] !== '\r') cell += text[i++];
    }
    cells.push(cell);
    if (text[i] === ',') i++;
    else if (text.slice(i) === '\r\n') return cells;
    else throw new Error(`unexpected ${JSON.stringify(text.slice(i))} at ${i}`);
  }
}
