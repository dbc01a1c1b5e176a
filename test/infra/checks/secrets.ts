import { isDeepStrictEqual } from 'node:util';
import { type CheckContext, field, label, ofType, TYPES } from './context';

/*
 * Task secrets as the plan derives them: each task definition (a task's, or a source's that overrides
 * its secrets) declared once, its container naming exactly the plan's secrets as references, and no
 * secret's name among its plain environment.
 */

interface Container {
  environment?: { name: string; value: string }[];
  secrets?: { name: string; valueFrom: string }[];
}

/** Every plan definition's container carries the plan's secrets, and only the plan's definitions exist. */
export function taskDefinitionsCarryPlanSecrets({ run, plan }: CheckContext): string[] {
  const problems: string[] = [];
  const specs = plan.tasks.flatMap((t) => [t, ...t.variants]);
  const declared = ofType(run, TYPES.taskDefinition);
  for (const definition of declared) {
    if (!specs.some((s) => s.family === field(definition, 'family'))) {
      problems.push(`${label(definition)}: ${field(definition, 'family')} is no task definition of the plan`);
    }
  }
  for (const spec of specs) {
    const [definition, ...more] = declared.filter((d) => field(d, 'family') === spec.family);
    if (!definition || more.length > 0) {
      problems.push(
        `task definition ${spec.family}: declared ${more.length + (definition ? 1 : 0)} times, not once`,
      );
      continue;
    }
    let containers: Container[];
    try {
      containers = JSON.parse(field(definition, 'containerDefinitions')) as Container[];
    } catch {
      problems.push(`${label(definition)}: containerDefinitions is not JSON`);
      continue;
    }
    const [container] = containers;
    const expected = spec.secrets.length > 0 ? spec.secrets : undefined;
    if (!isDeepStrictEqual(container?.secrets, expected)) {
      problems.push(
        `${label(definition)}: secrets are ${JSON.stringify(container?.secrets)}, not the plan's`,
      );
    }
    const names = new Set(spec.secrets.map((s) => s.name));
    for (const variable of container?.environment ?? []) {
      if (names.has(variable.name))
        problems.push(`${label(definition)}: ${variable.name} is in its environment`);
    }
  }
  return problems;
}
