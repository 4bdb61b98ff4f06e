import { ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { ValidationProblem, type FieldError } from './problem.js';

/** Flattens class-validator's tree into one entry per offending field, with a dotted path. */
export function flattenValidationErrors(
  errors: ValidationError[],
  where: FieldError['in'],
  prefix = '',
): FieldError[] {
  const out: FieldError[] = [];
  for (const error of errors) {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    if (error.constraints)
      out.push({ field, in: where, messages: Object.values(error.constraints) });
    if (error.children?.length) out.push(...flattenValidationErrors(error.children, where, field));
  }
  return out;
}

/**
 * The global pipe: DTOs whitelist their fields (unknown ones are rejected, so nothing can be mass-assigned),
 * values are converted to the declared types, and failures become one problem listing every field.
 */
export class AppValidationPipe extends ValidationPipe {
  constructor() {
    super({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      transformOptions: { enableImplicitConversion: false },
      validationError: { target: false, value: false },
      exceptionFactory: (errors: ValidationError[]) =>
        new ValidationProblem(flattenValidationErrors(errors, 'body')),
    });
  }

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    try {
      return await super.transform(value, metadata);
    } catch (error) {
      if (!(error instanceof ValidationProblem)) throw error;
      const where = SOURCE[metadata.type] ?? 'body';
      throw new ValidationProblem(error.errors.map((e) => ({ ...e, in: where })));
    }
  }
}

const SOURCE: Partial<Record<ArgumentMetadata['type'], FieldError['in']>> = {
  body: 'body',
  query: 'query',
  param: 'path',
};
