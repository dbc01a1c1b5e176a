import { defineConfig } from '@stevedore/core';

/*
 * Workers only, on Fargate Spot: one all Spot, one split half and half with its own deployment limits.
 * No pipelines, so task-state-change is deployed for the workers alone, without sweeper or
 * object-created.
 */
export default defineConfig({
  app: 'mailroom',
  tasks: {
    sender: { image: 'public.ecr.aws/mailroom/sender:7', cpu: 512, memory: 1024 },
    bouncer: { image: 'public.ecr.aws/mailroom/bouncer:7', cpu: 256, memory: 512, architecture: 'arm64' },
  },
  workers: {
    outgoing: { queue: 'mailroom-outgoing', task: 'sender', max: 20, spotPercent: 100 },
    bounces: {
      queue: 'mailroom-bounces',
      task: 'bouncer',
      min: 1,
      max: 4,
      spotPercent: 50,
      deployment: { minimumHealthyPercent: 50, maximumPercent: 150 },
      visibilityTimeout: 120,
    },
  },
});
