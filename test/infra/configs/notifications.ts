import { defineConfig } from '@stevedore/core';

/* Job notifications: failures and timeouts of one pipeline mailed through a topic the deploy creates. */
export default defineConfig({
  app: 'media',
  tasks: {
    resize: { image: 'public.ecr.aws/acme/resize:1', cpu: 256, memory: 512 },
  },
  pipelines: {
    thumbnails: { bucket: 'media-notify-uploads', task: 'resize' },
    archive: { bucket: 'media-notify-uploads', prefix: 'archive/', task: 'resize' },
  },
  notifications: { email: 'ops@example.com', pipelines: ['thumbnails'] },
});
