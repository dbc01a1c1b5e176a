import type { Check } from './context';
import { workerQueuesHaveDeadLetters } from './dead-letters';
import {
  functionsAndTasksUsePlanRoles,
  iamDocumentsResolved,
  noWildcardOnPlanResources,
  rolesCarryPlanPolicies,
} from './iam';
import { ledgerStreamFeedsJobEvents, notificationsAsPlanned } from './job-events';
import { clusterCapacityAsPlanned, dataRetainedInProduction, workersAsPlanned } from './lifecycle';
import { environmentsWithinLimit, namesWithinLimits, urnsUnique } from './limits';
import { taskDefinitionsCarryPlanSecrets } from './secrets';
import { handlersInBundles, inputsResolved } from './values';
import {
  asyncFailuresGoToDeadLetters,
  deadLettersAcceptTheRules,
  permissionsNameTheirRule,
  rulesTargetPlanFunctions,
  schedulesTargetScheduleFired,
} from './wiring';

export { type BundleContents, type Check, type CheckContext, TYPES } from './context';

/** Every check, by the name the tests report it under. */
export const CHECKS = {
  'rules target the plan functions, with the dead-letter queue': rulesTargetPlanFunctions,
  'schedules invoke schedule-fired, with the dead-letter queue': schedulesTargetScheduleFired,
  'each Lambda permission names its rule': permissionsNameTheirRule,
  'failed async invocations go to the dead-letter queue': asyncFailuresGoToDeadLetters,
  'the dead-letter queue accepts exactly the rules': deadLettersAcceptTheRules,
  'roles carry exactly the plan policies': rolesCarryPlanPolicies,
  'functions and tasks run as the plan roles': functionsAndTasksUsePlanRoles,
  'task definitions carry exactly the plan secrets': taskDefinitionsCarryPlanSecrets,
  'IAM documents are resolved JSON': iamDocumentsResolved,
  'no wildcard on a resource the plan names': noWildcardOnPlanResources,
  'names within AWS limits': namesWithinLimits,
  'no resource id twice': urnsUnique,
  'function environments within 4 KB': environmentsWithinLimit,
  'worker services as planned, ignoring desiredCount': workersAsPlanned,
  'the cluster offers FARGATE and FARGATE_SPOT, on demand by default': clusterCapacityAsPlanned,
  'worker queues redrive to their own dead-letter queue, alarmed, that no role touches':
    workerQueuesHaveDeadLetters,
  'production retains the table and buckets': dataRetainedInProduction,
  'no Output text in inputs, JSON inputs parse': inputsResolved,
  'handlers exist in their bundles': handlersInBundles,
  'the ledger stream feeds job-events, failures to the dead-letter queue': ledgerStreamFeedsJobEvents,
  'notifications: one rule on the job events to the topic only it may publish to': notificationsAsPlanned,
} satisfies Record<string, Check>;

export type CheckName = keyof typeof CHECKS;
