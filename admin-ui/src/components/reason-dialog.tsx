'use client';
import Button from '@mui/material/Button';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { toProblem } from '../lib/problem';
import { ProblemAlert } from './states';

/**
 * A staff action that takes a written reason: the API's length rule checked as the user types (the
 * button stays off until it holds), the API's own field error shown under the field, any other
 * problem (a refusal, a conflict) shown with its request id.
 */
export function ReasonDialog({
  title,
  detail,
  label,
  field,
  minLength,
  maxLength,
  action,
  submit,
  onClose,
}: {
  title: string;
  detail?: string;
  label: string;
  /** The body field the API names in its validation errors. */
  field: string;
  minLength: number;
  maxLength: number;
  action: string;
  submit: (text: string) => Promise<unknown>;
  onClose: () => void;
}) {
  const [text, setText] = useState('');
  const run = useMutation({ mutationFn: () => submit(text.trim()), onSuccess: onClose });
  const fieldError = run.error
    ? toProblem(run.error).errors?.find((e) => e.field === field)
    : undefined;
  return (
    <Dialog open onClose={onClose} aria-labelledby="reason-title" fullWidth>
      <DialogTitle id="reason-title">{title}</DialogTitle>
      <DialogContent>
        {detail && (
          <Typography variant="body2" gutterBottom>
            {detail}
          </Typography>
        )}
        <TextField
          label={label}
          value={text}
          onChange={(e) => setText(e.target.value)}
          fullWidth
          multiline
          autoFocus
          sx={{ mt: 1 }}
          slotProps={{ htmlInput: { maxLength } }}
          error={!!fieldError}
          helperText={
            fieldError?.messages.join('; ') ??
            (minLength > 1 ? `At least ${minLength} characters` : undefined)
          }
        />
        {run.error && !fieldError && <ProblemAlert error={run.error} />}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button
          variant="contained"
          disabled={text.trim().length < minLength || run.isPending}
          onClick={() => run.mutate()}
        >
          {action}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
