import { ValidationPipe, type ArgumentMetadata } from '@nestjs/common';
import { getMetadataStorage, type ValidationError } from 'class-validator';
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
    const where = SOURCE[metadata.type];
    if (where) {
      const unsafe = findUnsafeText(value, metadata.data ?? '', where);
      if (unsafe.length > 0) throw new ValidationProblem(unsafe);
    }
    try {
      return await super.transform(value, metadata);
    } catch (error) {
      if (!(error instanceof ValidationProblem)) throw error;
      throw new ValidationProblem(error.errors.map((e) => ({ ...e, in: where ?? 'body' })));
    }
  }
}

const SOURCE: Partial<Record<ArgumentMetadata['type'], FieldError['in']>> = {
  body: 'body',
  query: 'query',
  param: 'path',
};

/** A control character other than tab, newline and carriage return, or half of a surrogate pair alone. */
const UNSAFE_CHAR = /(?![\t\n\r])[\p{Cc}\p{Cs}]/u;

/**
 * Every string (and object key) in a parsed body, query or path that holds a character no text field
 * may: NUL and the other control characters, which PostgreSQL refuses in text and JSON (a 500 if they
 * reached it), and lone UTF-16 surrogates, which are not valid Unicode. Checked for every route here,
 * before the DTO's own rules; only plain objects and arrays are walked (JSON bodies nest at most
 * MAX_JSON_DEPTH levels, refused before parsing otherwise).
 */
function findUnsafeText(value: unknown, path: string, where: FieldError['in']): FieldError[] {
  if (typeof value === 'string') {
    const found = UNSAFE_CHAR.exec(value);
    if (!found) return [];
    const code = found[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0');
    const what = /\p{Cs}/u.test(found[0]) ? 'an unpaired surrogate' : 'a control character';
    return [
      { field: path || where, in: where, messages: [`must not contain ${what} (U+${code})`] },
    ];
  }
  if (Array.isArray(value))
    return value.flatMap((item, i) => findUnsafeText(item, join(path, String(i)), where));
  if (!isPlainObject(value)) return [];
  return Object.entries(value).flatMap(([key, item]) => {
    // A key is named as JSON writes it, escapes and all.
    const field = join(path, UNSAFE_CHAR.test(key) ? JSON.stringify(key).slice(1, -1) : key);
    return [...findUnsafeText(key, field, where), ...findUnsafeText(item, field, where)];
  });
}

function join(prefix: string, key: string): string {
  return prefix ? `${prefix}.${key}` : key;
}

/** An object literal, or a dictionary without Object.prototype (Fastify's parsed query and params). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}

/**
 * class-validator looks up a DTO's validation metadata on every validation (and for every nested
 * object) by scanning the metadata of every decorated class in the application for parents of the
 * target: cost grows with the number of DTOs, on every request. The metadata is fixed once the
 * classes are declared, so the lookup is remembered per (class, schema, options) and forgotten
 * whenever metadata is added (a class declared later). Installed once, when this module loads.
 */
function rememberValidationMetadata(): void {
  const storage = getMetadataStorage() as unknown as {
    getTargetValidationMetadatas(...args: unknown[]): unknown[];
    addValidationMetadata(...args: unknown[]): void;
    rememberedLookups?: Map<unknown, Map<string, unknown[]>>;
  };
  if (storage.rememberedLookups) return;
  const remembered = new Map<unknown, Map<string, unknown[]>>();
  storage.rememberedLookups = remembered;
  const lookup = storage.getTargetValidationMetadatas.bind(storage);
  const add = storage.addValidationMetadata.bind(storage);
  storage.addValidationMetadata = (...args) => {
    remembered.clear();
    add(...args);
  };
  storage.getTargetValidationMetadatas = (
    targetConstructor,
    targetSchema,
    always,
    strictGroups,
    groups,
  ) => {
    const key = JSON.stringify([targetSchema, always, strictGroups, groups]);
    let byOptions = remembered.get(targetConstructor);
    if (!byOptions) remembered.set(targetConstructor, (byOptions = new Map()));
    let found = byOptions.get(key);
    if (!found) {
      found = lookup(targetConstructor, targetSchema, always, strictGroups, groups);
      byOptions.set(key, found);
    }
    return found;
  };
}
rememberValidationMetadata();
