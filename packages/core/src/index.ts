/*
 * What a user's stevedore.config.ts imports. Everything else is exported by domain, through subpaths:
 * @stevedore/core/config, /events, /job, /scaling, /schedule, /ports and /errors.
 */
export { defineConfig } from './config/parse-config';
export type { ConfigInput } from './config/schema';
