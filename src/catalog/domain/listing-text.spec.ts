import { normalizeModels, normalizeName, searchTextOf, tidyModels } from './listing-text.js';

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
});
