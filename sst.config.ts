/// <reference path="./.sst/platform/config.d.ts" />

/**
 * Stevedore on AWS: `npx sst deploy --stage <stage>`. Everything is derived from stevedore.config.ts
 * through the deploy plan (packages/deploy); this file only wires infra/* together.
 */
export default $config({
  app(input) {
    return {
      name: 'stevedore',
      home: 'aws',
      removal: input?.stage === 'production' ? 'retain' : 'remove',
      providers: { aws: '7.20.0', 'docker-build': '0.0.14' },
    };
  },
  async run() {
    const { loadPlan } = await import('./infra/stevedore');
    const { network } = await import('./infra/network');
    const { cluster } = await import('./infra/cluster');
    const { ledger } = await import('./infra/ledger');
    const { storage } = await import('./infra/storage');
    const { tasks } = await import('./infra/tasks');
    const { functions } = await import('./infra/functions');
    const { rules } = await import('./infra/rules');
    const { workers } = await import('./infra/workers');
    const { schedules } = await import('./infra/schedules');
    const { jobEvents } = await import('./infra/job-events');
    const { notifications } = await import('./infra/notifications');

    const plan = await loadPlan();
    const net = network();
    const ecsCluster = cluster(plan);
    const table = ledger(plan);
    const { buckets, deadLetters } = storage(plan);
    const definitions = tasks(plan);
    const services = workers(plan, ecsCluster, definitions, net);
    const lambdas = await functions(plan, net, deadLetters.arn);
    rules(plan, lambdas, deadLetters);
    const scheduled = schedules(plan, lambdas, deadLetters);
    jobEvents(plan, table, lambdas, deadLetters.arn);
    notifications(plan);

    return {
      region: plan.scope.region,
      table: table.name,
      cluster: ecsCluster.cluster.name,
      buckets: buckets.map((b) => b.name),
      taskDefinitions: definitions.map((d) => d.definition.family),
      functions: lambdas.map((l) => l.fn.name),
      queues: services.map((s) => s.queue.url),
      services: services.map((s) => s.service.name),
      schedules: scheduled.map((s) => s.name),
      deadLetterQueue: deadLetters.url,
    };
  },
});
