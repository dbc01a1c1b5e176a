import {
  type DeployPlan,
  deployPlan,
  type PolicyDocument,
  schedulerPolicy,
  schedulerTrustPolicy,
} from '@stevedore/deploy';
import { parseArgs } from '../lib/args';
import { CliError } from '../lib/cli-error';
import { DEFAULT_CONFIG, loadConfig } from '../lib/load-config';
import { renderTable } from '../lib/table';

/** The policies of a plan, as `stevedore iam --json` prints them. */
export function iamReport(plan: DeployPlan) {
  return {
    stage: plan.stage,
    functions: plan.functions.map((f) => ({ function: f.name, role: f.roleName, policy: f.policy })),
    tasks: plan.tasks.map((t) => ({
      task: t.name,
      taskRole: { role: t.taskRoleName, policy: t.taskRolePolicy },
      executionRole: { role: t.executionRoleName, policy: t.executionRolePolicy },
      // A source that overrides the task's secrets runs its own definition, whose execution role reads those.
      variants: t.variants.map((v) => ({
        definition: v.family,
        source: `${v.source.kind}s.${v.source.name}`,
        executionRole: { role: v.executionRoleName, policy: v.executionRolePolicy },
      })),
    })),
    scheduler: schedulerReport(plan),
    // No role: what your own identity needs for `stevedore workers dead-letters` and `workers redrive`.
    operator: plan.workers.length > 0 ? { policy: plan.operatorPolicy } : null,
    // No role either: for `stevedore jobs cancel|retry|submit`.
    jobOperator: plan.functions.length > 0 ? { policy: plan.jobOperatorPolicy } : null,
    // No role either: for `stevedore pipelines backfill` and `stevedore dead-letters list|redrive`.
    backfillRedrive: plan.functions.length > 0 ? { policy: plan.backfillRedrivePolicy } : null,
  };
}

/** The scheduler role, when there are schedules: it may only invoke schedule-fired and dead-letter. */
function schedulerReport(plan: DeployPlan) {
  const target = plan.functions.find((f) => f.handler === 'schedule-fired');
  if (plan.schedules.length === 0 || !target) return null;
  return {
    role: plan.schedulerRoleName,
    policy: schedulerPolicy(plan.arns.lambda(target.name), plan.arns.queue(plan.deadLetterQueue)),
    trustPolicy: schedulerTrustPolicy(plan.scope.account),
  };
}

/** `stevedore iam`: what each role a deploy creates may do. */
export async function iam(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', default: DEFAULT_CONFIG },
      stage: { type: 'string', default: 'dev' },
      account: { type: 'string', default: '<account>' },
      region: { type: 'string', default: '<region>' },
      partition: { type: 'string', default: 'aws' },
      json: { type: 'boolean', default: false },
    },
  });
  if (values.account !== '<account>' && !/^\d{12}$/.test(values.account)) {
    throw new CliError(`--account expects a 12-digit account id, got ${values.account}`);
  }
  const { config } = await loadConfig(values.config);
  let plan: DeployPlan;
  try {
    plan = deployPlan(config, values.stage, {
      account: values.account,
      region: values.region,
      partition: values.partition,
    });
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error));
  }
  const report = iamReport(plan);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return 0;
  }
  const roles = [
    ...report.functions.map((f) => ({ title: `function ${f.function} (role ${f.role})`, policy: f.policy })),
    ...report.tasks.flatMap((t) => [
      { title: `task ${t.task}: task role ${t.taskRole.role}`, policy: t.taskRole.policy },
      { title: `task ${t.task}: execution role ${t.executionRole.role}`, policy: t.executionRole.policy },
      ...t.variants.map((v) => ({
        title: `task ${t.task} for ${v.source} (definition ${v.definition}): execution role ${v.executionRole.role}`,
        policy: v.executionRole.policy,
      })),
    ]),
  ];
  if (report.scheduler) {
    roles.push({
      title: `EventBridge Scheduler (role ${report.scheduler.role}; only scheduler.amazonaws.com for account ${plan.scope.account} may assume it)`,
      policy: report.scheduler.policy,
    });
  }
  if (report.operator) {
    roles.push({
      title:
        'CLI operator (no role: attach to your own identity for `stevedore workers`, `workers dead-letters` and `workers redrive`)',
      policy: report.operator.policy,
    });
  }
  if (report.jobOperator) {
    roles.push({
      title: 'CLI operator (no role: attach to your own identity for `stevedore jobs cancel|retry|submit`)',
      policy: report.jobOperator.policy,
    });
  }
  if (report.backfillRedrive) {
    roles.push({
      title:
        'CLI operator (no role: attach to your own identity for `stevedore pipelines backfill` and `stevedore dead-letters list|redrive`)',
      policy: report.backfillRedrive.policy,
    });
  }
  for (const role of roles) process.stdout.write(`${role.title}\n${renderPolicy(role.policy)}\n\n`);
  return 0;
}

function renderPolicy(policy: PolicyDocument): string {
  if (policy.Statement.length === 0) return '  (no permissions)';
  return renderTable(
    policy.Statement.flatMap((s) =>
      s.Resource.map((resource, i) => ({
        sid: i === 0 ? s.Sid : '',
        actions: i === 0 ? s.Action.join(', ') : '',
        resource,
        condition: i === 0 && s.Condition ? conditionText(s.Condition) : '',
      })),
    ),
    [
      { header: '  SID', cell: (r) => `  ${r.sid}` },
      { header: 'ACTIONS', cell: (r) => r.actions },
      { header: 'RESOURCE', cell: (r) => r.resource },
      { header: 'CONDITION', cell: (r) => r.condition },
    ],
  );
}

function conditionText(condition: Record<string, Record<string, string | string[]>>): string {
  return Object.entries(condition)
    .flatMap(([operator, keys]) =>
      Object.entries(keys).map(
        ([key, value]) => `${operator} ${key} = ${Array.isArray(value) ? value.join(' | ') : value}`,
      ),
    )
    .join('; ');
}
