'use client';

import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import { useState } from 'react';
import { istDay, previousIstDay } from '../lib/dates';

/** A filter of a search form: a text field, (`date`) an IST day, or (`options`) one of the API's values ('' for any). */
export interface SearchField<K extends string> {
  key: K;
  label: string;
  date?: boolean;
  options?: readonly string[];
}

/**
 * The filters of a list page, with the IST days `from` (yesterday) and `to` (today) first: what is
 * being typed, and what was last searched (`applied`, for the page's query key and request).
 */
export function useSearch<K extends string>(keys: readonly K[]) {
  const today = istDay();
  const initial = {
    from: previousIstDay(today),
    to: today,
    ...Object.fromEntries(keys.map((k) => [k, ''])),
  } as Record<'from' | 'to' | K, string>;
  const [values, setValues] = useState(initial);
  const [applied, setApplied] = useState(initial);
  return { values, setValues, applied, search: () => setApplied(values) };
}

/** The search form of a list page: the day range, then `fields`, then the Search button. */
export function SearchForm<K extends string>({
  search,
  fields,
}: {
  search: ReturnType<typeof useSearch<K>>;
  fields: SearchField<K>[];
}) {
  const { values, setValues } = search;
  const all: SearchField<'from' | 'to' | K>[] = [
    { key: 'from', label: 'From (IST day)', date: true },
    { key: 'to', label: 'To (IST day, inclusive)', date: true },
    ...fields,
  ];
  return (
    <Box
      component="form"
      sx={{ display: 'flex', flexWrap: 'wrap', gap: 2, mb: 2 }}
      onSubmit={(e) => {
        e.preventDefault();
        search.search();
      }}
    >
      {all.map((f) => (
        <TextField
          key={f.key}
          label={f.label}
          value={values[f.key]}
          onChange={(e) => setValues({ ...values, [f.key]: e.target.value })}
          {...(f.date ? { type: 'date', slotProps: { inputLabel: { shrink: true } } } : {})}
          {...(f.options ? { select: true, sx: { minWidth: 180 } } : {})}
        >
          {f.options && [
            <MenuItem key="" value="">
              Any
            </MenuItem>,
            ...f.options.map((o) => (
              <MenuItem key={o} value={o}>
                {o.replaceAll('_', ' ')}
              </MenuItem>
            )),
          ]}
        </TextField>
      ))}
      <Button type="submit" variant="contained">
        Search
      </Button>
    </Box>
  );
}
