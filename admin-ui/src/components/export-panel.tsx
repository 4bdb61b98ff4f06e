'use client';
import Alert from '@mui/material/Alert';
import Box from '@mui/material/Box';
import Button from '@mui/material/Button';
import LinearProgress from '@mui/material/LinearProgress';
import MenuItem from '@mui/material/MenuItem';
import TextField from '@mui/material/TextField';
import { useState } from 'react';
import { istDay, istDayEnd, istDayStart } from '../lib/dates';
import { downloadApiFile } from '../lib/download';
import { ProblemAlert } from './states';

/**
 * An export form for one of the API's streamed exports: a period of IST days, the format and the
 * reason (kept in the export's audit event); shows the bytes received while the file streams in.
 */
export function ExportPanel({ path, fileStem }: { path: string; fileStem: string }) {
  const today = istDay();
  const [from, setFrom] = useState(today);
  const [to, setTo] = useState(today);
  const [format, setFormat] = useState<'csv' | 'jsonl'>('csv');
  const [reason, setReason] = useState('');
  const [progress, setProgress] = useState<number | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function run() {
    setError(null);
    setDone(null);
    setProgress(0);
    const query = new URLSearchParams({ from: istDayStart(from), to: istDayEnd(to), format });
    if (reason.trim()) query.set('reason', reason.trim());
    try {
      const file = await downloadApiFile(`${path}?${query}`, `${fileStem}.${format}`, setProgress);
      setDone(`Downloaded ${file.name} (${file.bytes.toLocaleString('en-IN')} bytes)`);
    } catch (e) {
      setError(e);
    } finally {
      setProgress(null);
    }
  }

  return (
    <Box sx={{ display: 'grid', gap: 2, maxWidth: 520 }}>
      <Box sx={{ display: 'flex', gap: 2 }}>
        <TextField
          label="From (IST day)"
          type="date"
          value={from}
          onChange={(e) => setFrom(e.target.value)}
          slotProps={{ inputLabel: { shrink: true } }}
        />
        <TextField
          label="To (IST day, inclusive)"
          type="date"
          value={to}
          onChange={(e) => setTo(e.target.value)}
          slotProps={{ inputLabel: { shrink: true } }}
        />
      </Box>
      <TextField
        select
        label="Format"
        value={format}
        onChange={(e) => setFormat(e.target.value as 'csv' | 'jsonl')}
      >
        <MenuItem value="csv">CSV</MenuItem>
        <MenuItem value="jsonl">JSON Lines</MenuItem>
      </TextField>
      <TextField
        label="Reason (kept in the audit log)"
        value={reason}
        onChange={(e) => setReason(e.target.value)}
      />
      <Button variant="contained" onClick={() => void run()} disabled={progress !== null}>
        Download export
      </Button>
      {progress !== null && (
        <Box role="status">
          <LinearProgress aria-label="Export progress" />
          {progress.toLocaleString('en-IN')} bytes received
        </Box>
      )}
      {done && (
        <Alert severity="success" data-testid="export-done">
          {done}
        </Alert>
      )}
      {error !== null && <ProblemAlert error={error} />}
    </Box>
  );
}
