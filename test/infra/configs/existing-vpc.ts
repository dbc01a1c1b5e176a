import { defineConfig } from '@stevedore/core';

/*
 * Tasks run in an existing VPC (no VPC is created, functions and services get its subnets and security
 * groups, no public IP), with images from registries (no ECR repository, no image build), and a second
 * bucket that no pipeline reads.
 */
export default defineConfig({
  app: 'acme-media',
  tasks: {
    transcode: {
      image: '111122223333.dkr.ecr.eu-central-1.amazonaws.com/transcode:3.2',
      cpu: 1024,
      memory: 2048,
      env: { PRESET: 'h264-720p' },
      ephemeralStorageGiB: 50,
    },
    thumbnail: { image: 'public.ecr.aws/acme/thumbnail:1', cpu: 256, memory: 512, architecture: 'arm64' },
  },
  pipelines: {
    videos: {
      bucket: 'acme-media-uploads',
      prefix: 'videos/',
      suffix: '.mp4',
      task: 'transcode',
      concurrency: 8,
    },
    stills: { bucket: 'acme-media-uploads', prefix: 'stills/', task: 'thumbnail' },
  },
  buckets: ['acme-media-renditions'],
  network: {
    vpcId: 'vpc-0a1b2c3d4e5f67890',
    subnets: ['subnet-0aaa1111bbbb2222c', 'subnet-0ddd3333eeee4444f'],
    securityGroups: ['sg-0123456789abcdef0'],
  },
});
