export type { Handler, HandlerDeps, HandlerFactory } from '@stevedore/core';
