import {
  correctionsFor,
  editDistance,
  isCorrectable,
  maxEdits,
  normalizeModels,
  normalizeName,
  searchTextOf,
  tidyModels,
  tsqueryLexeme,
  typoTerms,
} from './listing-text.js';

describe('listing text', () => {
  it('writes search_text as lower-case name, brand, models, category and SKU', () => {
    expect(
      searchTextOf({
        name: '  iPhone 13  Display ',
        brand: 'Apple',
        compatibleModels: ['iPhone 13', 'iPhone 13 Pro'],
        category: 'display',
        sku: 'IP13-DSP',
      }),
    ).toBe('iphone 13 display apple iphone 13 iphone 13 pro display ip13-dsp');
  });

  it('tidies models and drops case-insensitive repeats', () => {
    expect(tidyModels([' Redmi  Note 10 ', 'redmi note 10', 'Poco X3', ''])).toEqual([
      'Redmi Note 10',
      'Poco X3',
    ]);
  });

  it('normalizes names and model sets for duplicate detection', () => {
    expect(normalizeName('  Galaxy-M31 Battery (6000mAh)!')).toBe('galaxy m31 battery 6000mah');
    expect(normalizeModels(['Galaxy M31', 'galaxy-m31', 'Galaxy F41'])).toEqual([
      'galaxy f41',
      'galaxy m31',
    ]);
  });

  it('measures edit distance with adjacent transpositions as one edit', () => {
    expect(editDistance('displya', 'display')).toBe(1);
    expect(editDistance('iphnoe', 'iphone')).toBe(1);
    expect(editDistance('samsng', 'samsung')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('abc', '')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
    // Optimal string alignment: a transposed pair is not edited again ("ca" → "abc" is 3).
    expect(editDistance('ca', 'abc')).toBe(3);
    // By code point, not UTF-16 unit.
    expect(editDistance('déjà', 'deja')).toBe(2);
    expect(editDistance('𝔸b', 'b𝔸')).toBe(1);
  });

  it('corrects only long enough words without digits, within 1 edit up to 5 letters and 2 beyond', () => {
    expect(['13', 'm31', 'y20', 'dsp', 'pro', 'note'].map(isCorrectable)).toEqual([
      false,
      false,
      false,
      false,
      false,
      true,
    ]);
    expect([3, 4, 5, 6, 12].map(maxEdits)).toEqual([0, 1, 1, 2, 2]);
    const lexicon = [
      { word: 'display', listings: 14578 },
      { word: 'displays', listings: 3 },
      { word: 'dispute', listings: 9 },
    ];
    // The nearest only ("displays" is 2 edits from "displya"), scored 1 − edits ÷ length.
    expect(correctionsFor('displya', lexicon)).toEqual([{ lexeme: 'display', score: 1 - 1 / 7 }]);
    // Ties: the most used first, at most three ("battery" is 3 edits from "batt": too far).
    expect(
      correctionsFor('batt', [
        { word: 'bats', listings: 1 },
        { word: 'bart', listings: 5 },
        { word: 'batty', listings: 3 },
        { word: 'butt', listings: 2 },
        { word: 'battery', listings: 900 },
      ]).map((c) => c.lexeme),
    ).toEqual(['bart', 'batty', 'butt']);
    // Too far, or not correctable: nothing.
    expect(correctionsFor('washing', [{ word: 'charging', listings: 10 }])).toEqual([]);
    expect(correctionsFor('vivi', [{ word: 'vivo', listings: 10 }])).toEqual([
      { lexeme: 'vivo', score: 0.75 },
    ]);
    expect(correctionsFor('y21', [{ word: 'y20', listings: 10 }])).toEqual([]);
    expect(correctionsFor('bat', [{ word: 'bar', listings: 10 }])).toEqual([]);
  });

  it('splits a search box text into words to find and words to exclude', () => {
    expect(typoTerms('iphone "13 pro" -battery -"back panel" OR displya')).toEqual({
      positive: 'iphone 13 pro displya',
      negative: ['battery', 'back panel'],
    });
    expect(typoTerms('-  samsng "unclosed phrase')).toEqual({
      positive: '- samsng unclosed phrase',
      negative: [],
    });
  });

  it('quotes a lexeme as a tsquery operand', () => {
    expect(tsqueryLexeme('display')).toBe("'display'");
    expect(tsqueryLexeme("x.com/a'b")).toBe("'x.com/a''b'");
    expect(tsqueryLexeme('a\\b')).toBe("'a\\\\b'");
  });
});
