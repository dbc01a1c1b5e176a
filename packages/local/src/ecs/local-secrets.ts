import { readFile } from 'node:fs/promises';

/*
 * Where a local task's secrets come from. On AWS, ECS resolves a container's `secrets` with the
 * execution role while the task starts; locally the endpoint reads them from a JSON file the user
 * keeps (`<state-dir>/secrets.json`: `{ "<reference as written in the config>": "<value>" }`), read
 * afresh before each container starts, so an edit takes effect on the next attempt. A reference it
 * cannot resolve stops the task as ECS does: TaskFailedToStart, ResourceInitializationError.
 */

export type SecretsResolution = { ok: true; env: Record<string, string> } | { ok: false; reason: string };

const PREFIX =
  'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed';

/**
 * The environment variables of `secrets` (name -> reference), with their values from `file`, or the
 * stopped reason when one cannot be resolved. The reason names references, never a value.
 */
export async function resolveSecrets(
  secrets: Readonly<Record<string, string>>,
  file: string | undefined,
): Promise<SecretsResolution> {
  const wanted = Object.entries(secrets);
  if (wanted.length === 0) return { ok: true, env: {} };
  if (file === undefined)
    return { ok: false, reason: `${PREFIX}: this endpoint has no secrets file to resolve ${wanted[0]?.[1]}` };
  let values: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      return { ok: false, reason: `${PREFIX}: ${file} is not a JSON object of reference: value` };
    values = parsed as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') values = {};
    // The parser's message can quote the file's text, and the file holds secrets: say only where.
    else if (error instanceof SyntaxError)
      return { ok: false, reason: `${PREFIX}: ${file} is not valid JSON` };
    else throw error;
  }
  const env: Record<string, string> = {};
  const missing: string[] = [];
  for (const [name, reference] of wanted) {
    const value = Object.hasOwn(values, reference) ? values[reference] : undefined;
    if (typeof value === 'string') env[name] = value;
    else missing.push(`${reference} (${name})`);
  }
  if (missing.length > 0)
    return {
      ok: false,
      reason: `${PREFIX}: unable to retrieve secrets: no string value in ${file} for ${missing.join(', ')}`,
    };
  return { ok: true, env };
}
