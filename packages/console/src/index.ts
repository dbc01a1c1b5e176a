export { ASSET_BUDGET_BYTES, type Asset, type Assets, buildAssets } from './assets';
export type { ConsoleBackend, LogChunk } from './backend';
export { ConsoleError, ConsoleForbiddenError, ConsoleRequestError } from './errors';
export {
  type JobFilter,
  listJobPage,
  MAX_PAGE_READS,
  matchesFilter,
  parseJobQuery,
  withPrefixSource,
} from './job-listing';
export { type LiveEvents, LiveFeed, NEWEST_PAGE, type Subscriber } from './live-feed';
export { percentile, sourceStats } from './overview';
export {
  type ConsoleServer,
  type ConsoleServerOptions,
  checkAction,
  startConsole,
  TOKEN_HEADER,
} from './server';
export { jobTimeline, type Phase, type PhaseBar } from './timeline';
