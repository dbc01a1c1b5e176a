import { defineConfig } from 'vitest/config';

// The SDK warns that its 2027 releases will want Node 22; the lockfile pins today's, so say it once here.
const env = { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' };

export default defineConfig({
  test: {
    // `npm run test:covered` (part of `npm test`) measures the domain and the application layer over the
    // unit and integration tiers, and fails under the gate: that is where an untested branch costs most.
    // The e2e tier runs `stevedore dev` as a child process, which v8 cannot see; it runs apart.
    coverage: {
      provider: 'v8',
      include: ['packages/core/src/**/*.ts', 'packages/control/src/**/*.ts'],
      reporter: ['text-summary'],
      thresholds: { lines: 90 },
    },
    projects: [
      {
        test: {
          name: 'unit',
          env,
          include: ['test/unit/**/*.test.ts'],
          // Unit tests bound their work (property tests fix numRuns), not the clock: on a busy 2-core
          // machine a few hundred fast-check runs were seen to pass 5 s, vitest's default.
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'integration',
          env,
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-dynamodb.ts'],
          // Integration tests bound their work; a handful of real round trips to DynamoDB Local were
          // seen past 30 s on a machine at load 30, so the clock only catches a hang.
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'infra',
          env,
          include: ['test/infra/**/*.test.ts'],
          // Builds the function bundles and executes sst.config.ts for every case, under Pulumi's mocks.
          globalSetup: ['test/infra/support/global-setup.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          env,
          include: ['test/e2e/**/*.test.ts'],
          globalSetup: ['test/support/build-cli.ts'],
          testTimeout: 180_000,
          // A hook that starts `stevedore dev` waits up to 150 s for it on a busy machine.
          hookTimeout: 240_000,
          // Each file runs `stevedore dev` with its own DynamoDB Local and tasks: one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
