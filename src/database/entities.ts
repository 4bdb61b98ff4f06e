import type { DataSourceOptions } from 'typeorm';

/** Every TypeORM entity class. Domain modules add theirs here so the app and migrations share one list. */
export const entities: NonNullable<DataSourceOptions['entities']> = [];
