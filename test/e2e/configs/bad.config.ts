import { defineConfig } from '@stevedore/core';

// Deliberately wrong, for the CLI's error reporting: a bad memory size, an unknown key, a missing task.
export default defineConfig({
  tasks: { t: { image: 'x', cpu: 256, memory: 4096 } },
  pipelines: {
    thumbnails: { bucket: 'e2e-inbox', task: 'nope', retry: { attempts: 0 } },
  },
  // @ts-expect-error an unknown key is the point of this file
  pipeliness: {},
});
