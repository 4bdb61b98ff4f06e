import { DataSource } from 'typeorm';
import { loadConfig } from './src/config/app-config.js';
import { dataSourceOptions } from './src/database/data-source-options.js';

export { dataSourceOptions };

/**
 * The data source for TypeORM's CLI (`npx typeorm -d dist/ormconfig.js migration:show`): the schema
 * owner's connection. The application builds its own from the same `dataSourceOptions` with the app role.
 */
export default new DataSource(dataSourceOptions(loadConfig(), 'owner'));
