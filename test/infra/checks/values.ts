import { type CheckContext, label, ofType, strings, TYPES } from './context';

/*
 * Values a type check lets through: an Output turned into text, JSON inputs that are not JSON, a
 * function handler its bundle does not export.
 */

/** What Pulumi's Output gives when turned into text (`${output}`, JSON.stringify) instead of applied. */
const OUTPUT_TEXT = /on an \[Output<T>\] is not supported|\[object Object\]|<unknown>/;

/** Inputs AWS parses as JSON. */
const JSON_INPUTS = ['containerDefinitions', 'eventPattern', 'input', 'policy', 'assumeRolePolicy'];

/** No input anywhere holds an Output's text instead of its value, and JSON inputs parse. */
export function inputsResolved({ run }: CheckContext): string[] {
  return run.resources.flatMap((r) => [
    ...strings(r.inputs)
      .filter(([, value]) => OUTPUT_TEXT.test(value))
      .map(([path, value]) => `${label(r)}: ${path} is ${JSON.stringify(value.slice(0, 60))}`),
    ...strings(r.inputs)
      .filter(([path]) => JSON_INPUTS.includes(path.split('.').pop() ?? ''))
      .flatMap(([path, value]) => {
        try {
          JSON.parse(value);
          return [];
        } catch {
          return [`${label(r)}: ${path} is not JSON`];
        }
      }),
  ]);
}

/**
 * Each function's handler (`<file>.<export>`) is a file of the bundle SST was given for it, exporting
 * that name: what Lambda loads at the first invocation.
 */
export function handlersInBundles({ run, bundles }: CheckContext): string[] {
  const problems: string[] = [];
  for (const fn of ofType(run, TYPES.lambda)) {
    const component = fn.parent.split('::').pop() ?? '';
    const build = run.builds.find((b) => b.functionID === component);
    const handler = typeof fn.inputs.handler === 'string' ? fn.inputs.handler : '';
    const contents = build && bundles[build.bundle];
    if (!build || !contents) {
      problems.push(`${label(fn)}: no prebuilt bundle was built for ${component}`);
      continue;
    }
    const dot = handler.lastIndexOf('.');
    const [module, name] = [handler.slice(0, dot), handler.slice(dot + 1)];
    const file = ['.mjs', '.js', '.cjs']
      .map((ext) => `${module}${ext}`)
      .find((f) => contents.files.includes(f));
    if (dot <= 0 || !file) {
      problems.push(
        `${label(fn)}: handler ${handler} names no file of ${build.bundle} (${contents.files.join(', ')})`,
      );
    } else if (!contents.exports[file]?.includes(name)) {
      problems.push(
        `${label(fn)}: ${file} does not export ${name} (it exports ${contents.exports[file]?.join(', ')})`,
      );
    }
  }
  return problems;
}
