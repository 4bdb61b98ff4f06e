'use client';
import Button from '@mui/material/Button';
import Checkbox from '@mui/material/Checkbox';
import Dialog from '@mui/material/Dialog';
import DialogActions from '@mui/material/DialogActions';
import DialogContent from '@mui/material/DialogContent';
import DialogTitle from '@mui/material/DialogTitle';
import FormControlLabel from '@mui/material/FormControlLabel';
import TextField from '@mui/material/TextField';
import Typography from '@mui/material/Typography';
import { useMutation } from '@tanstack/react-query';
import { useState } from 'react';
import { toProblem } from '../lib/problem';
import { ProblemAlert } from './states';

/** A value an action takes besides its reason (a technician's id, an amount typed in rupees). */
export interface DialogInput<V> {
  label: string;
  /** The body field the API names in its validation errors. */
  field: string;
  /** The value typed, as the API takes it; null while it is not one (the button stays off). */
  parse: (typed: string) => V | null;
  helperText?: string;
}

/**
 * A staff action that takes a written reason (and, with `input`, one value before it; with `option`,
 * a box to tick after it, e.g. an ops leader's override): the API's
 * rules checked as the user types (the button stays off until they hold), the API's own field error
 * shown under its field, any other problem (a refusal, a conflict) shown with its request id.
 */
export function ReasonDialog<V = never>({
  title,
  detail,
  label,
  field,
  minLength,
  maxLength,
  action,
  input,
  option,
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
  input?: DialogInput<V>;
  option?: { label: string };
  submit: (text: string, value: V, option: boolean) => Promise<unknown>;
  onClose: () => void;
}) {
  const [text, setText] = useState('');
  const [typed, setTyped] = useState('');
  const [ticked, setTicked] = useState(false);
  const value = input ? input.parse(typed) : null;
  const run = useMutation({
    mutationFn: () => submit(text.trim(), value as V, ticked),
    onSuccess: onClose,
  });
  const errors = run.error ? toProblem(run.error).errors : undefined;
  const fieldError = errors?.find((e) => e.field === field);
  const inputError = input && errors?.find((e) => e.field === input.field);
  return (
    <Dialog open onClose={onClose} aria-labelledby="reason-title" fullWidth>
      <DialogTitle id="reason-title">{title}</DialogTitle>
      <DialogContent>
        {detail && (
          <Typography variant="body2" gutterBottom>
            {detail}
          </Typography>
        )}
        {input && (
          <TextField
            label={input.label}
            value={typed}
            onChange={(e) => setTyped(e.target.value)}
            fullWidth
            autoFocus
            sx={{ mt: 1 }}
            error={!!inputError || (typed.trim() !== '' && value === null)}
            helperText={inputError?.messages.join('; ') ?? input.helperText}
          />
        )}
        <TextField
          label={label}
          value={text}
          onChange={(e) => setText(e.target.value)}
          fullWidth
          multiline
          autoFocus={!input}
          sx={{ mt: 1 }}
          slotProps={{ htmlInput: { maxLength } }}
          error={!!fieldError}
          helperText={
            fieldError?.messages.join('; ') ??
            (minLength > 1 ? `At least ${minLength} characters` : undefined)
          }
        />
        {option && (
          <FormControlLabel
            control={<Checkbox checked={ticked} onChange={(e) => setTicked(e.target.checked)} />}
            label={option.label}
            sx={{ mt: 1 }}
          />
        )}
        {run.error && !fieldError && !inputError && <ProblemAlert error={run.error} />}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Cancel</Button>
        <Button
          variant="contained"
          disabled={text.trim().length < minLength || (!!input && value === null) || run.isPending}
          onClick={() => run.mutate()}
        >
          {action}
        </Button>
      </DialogActions>
    </Dialog>
  );
}
