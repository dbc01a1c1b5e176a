/*
 * Task secrets: references to Secrets Manager secrets and SSM parameters that ECS resolves with the
 * task's execution role when the task starts. Stevedore only ever handles the reference, never the
 * value: the value reaches the container's environment and nothing else.
 *
 * A reference, as the config takes it:
 *   arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-<6 chars>[:<json-key>:<version-stage>:<version-id>]
 *   arn:<partition>:ssm:<region>:<account>:parameter/<name>
 *   ssm:<name>        a parameter in the app's own region and account (`ssm:/prod/api-key`)
 */

/** Where a deploy runs: SSM names are turned into ARNs of this partition, region and account. */
export interface SecretScope {
  partition: string;
  region: string;
  account: string;
}

/** A secret's reference as the config gives it: the reference alone, or with the customer KMS key that encrypts it. */
export type SecretInput = string | { valueFrom: string; kmsKey?: string | undefined };

export type SecretReference =
  | {
      kind: 'secretsmanager';
      /** The reference as written. */
      text: string;
      /** The secret's ARN without the json-key and version part: what IAM grants. */
      secretArn: string;
      region: string;
      jsonKey?: string;
      versionStage?: string;
      versionId?: string;
    }
  | {
      kind: 'ssm';
      text: string;
      /** The parameter's name as SSM knows it (`/prod/api-key` or `api-key`). */
      name: string;
      /** Set when the reference is an ARN; a bare name takes the deploy's partition, region and account. */
      arn?: { partition: string; region: string; account: string };
    };

const PARTITION = '(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc)';
const REGION = '([a-z]{2}(?:-[a-z]+)+-\\d)';
const ACCOUNT = '(\\d{12})';
/** Secrets Manager names: letters, digits and /_+=.@-; the ARN ends in '-' and 6 random characters. */
const SECRET_NAME = '([A-Za-z0-9/_+=.@-]{1,512}-[A-Za-z0-9]{6})';
const SECRET_ARN = new RegExp(
  `^(arn:${PARTITION}:secretsmanager:${REGION}:${ACCOUNT}:secret:${SECRET_NAME})(?::([^:]*):([^:]*):([^:]*))?$`,
);
const PARAMETER_ARN = new RegExp(`^arn:${PARTITION}:ssm:${REGION}:${ACCOUNT}:parameter(/.+)$`);
/** SSM parameter names: letters, digits and _.-, with '/' for hierarchies (then fully qualified). */
const PARAMETER_NAME = /^(?:[A-Za-z0-9_.-]{1,1011}|(?:\/[A-Za-z0-9_.-]+){1,15})$/;
const KMS_KEY_ARN = new RegExp(
  `^arn:${PARTITION}:kms:${REGION}:${ACCOUNT}:key/(?:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$`,
);
const VERSION_STAGE = /^[A-Za-z0-9_.-]{1,256}$/;
const VERSION_ID = /^[A-Za-z0-9-]{32,64}$/;

export const SECRET_REFERENCE_MESSAGE =
  "expected a Secrets Manager secret's ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>-AbCdEf, optionally :<json-key>:<version-stage>:<version-id>), an SSM parameter's ARN or ssm:<parameter name>";
export const KMS_KEY_MESSAGE = 'expected a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key id>)';

/**
 * Parses a secret reference; returns a message saying what is wrong instead when it is not one.
 * A name is checked as SSM checks it, so a typo fails at load, not when the task starts. Messages
 * never repeat the input: it may be a secret's value, pasted where its reference belongs.
 */
export function parseSecretReference(text: string): SecretReference | string {
  const secret = SECRET_ARN.exec(text);
  if (secret) {
    const [, secretArn = '', , region = '', , , jsonKey, versionStage, versionId] = secret;
    if (versionStage && versionId) return 'expected a version stage or a version id, not both';
    if (versionStage && !VERSION_STAGE.test(versionStage))
      return 'expected a version stage of letters, digits and _.-';
    if (versionId && !VERSION_ID.test(versionId))
      return 'expected a version id of 32 to 64 letters, digits and -';
    return {
      kind: 'secretsmanager',
      text,
      secretArn,
      region,
      ...(jsonKey ? { jsonKey } : {}),
      ...(versionStage ? { versionStage } : {}),
      ...(versionId ? { versionId } : {}),
    };
  }
  if (text.startsWith('arn:') && text.includes(':secretsmanager:')) {
    return `expected the secret's full ARN, ending in '-' and the 6 characters Secrets Manager adds (…:secret:db-AbCdEf), and optionally :<json-key>:<version-stage>:<version-id>`;
  }
  const parameter = PARAMETER_ARN.exec(text);
  const name = parameter
    ? (parameter[4] ?? '').replace(/^\/(?=[^/]*$)/, '')
    : text.startsWith('ssm:')
      ? text.slice(4)
      : undefined;
  if (name === undefined) return SECRET_REFERENCE_MESSAGE;
  if (!PARAMETER_NAME.test(name))
    return "expected an SSM parameter name of letters, digits and _.-, with '/' between levels (at most 15) and a leading '/' when there is one";
  if (/^\/?(aws|ssm)/i.test(name)) return 'SSM parameter names may not start with aws or ssm';
  if (!parameter) return { kind: 'ssm', text, name };
  const [, partition = '', region = '', account = ''] = parameter;
  return { kind: 'ssm', text, name, arn: { partition, region, account } };
}

/** A customer managed KMS key's ARN, or a message saying what is wrong. */
export function checkKmsKey(text: string): string | undefined {
  return KMS_KEY_ARN.test(text) ? undefined : KMS_KEY_MESSAGE;
}

/** A valid reference: for code past the config check, which has refused any other. */
export function secretReference(input: SecretInput): SecretReference {
  const text = typeof input === 'string' ? input : input.valueFrom;
  const parsed = parseSecretReference(text);
  if (typeof parsed === 'string') throw new Error(`not a secret reference: ${parsed}`);
  return parsed;
}

/** The KMS key a secret names, if any. */
export function secretKmsKey(input: SecretInput): string | undefined {
  return typeof input === 'string' ? undefined : input.kmsKey;
}

/** The ARN of the parameter, the reference's own or built from the deploy's scope. */
export function parameterArn(
  reference: Extract<SecretReference, { kind: 'ssm' }>,
  scope: SecretScope,
): string {
  const { partition, region, account } = reference.arn ?? scope;
  // A hierarchical name's leading '/' is not repeated in its ARN: parameter/prod/api-key.
  return `arn:${partition}:ssm:${region}:${account}:parameter/${reference.name.replace(/^\//, '')}`;
}

/**
 * What a container definition's `valueFrom` carries: a secret as written (its json-key and version
 * are for ECS to resolve), a parameter as its full ARN, so it never depends on the task's region.
 */
export function secretValueFrom(reference: SecretReference, scope: SecretScope): string {
  return reference.kind === 'secretsmanager' ? reference.text : parameterArn(reference, scope);
}

/** What IAM grants for a reference: the secret's ARN (a json-key does not narrow IAM), or the parameter's. */
export function secretResourceArn(reference: SecretReference, scope: SecretScope): string {
  return reference.kind === 'secretsmanager' ? reference.secretArn : parameterArn(reference, scope);
}

/** The region a reference is read in, for kms:ViaService. */
export function secretRegion(reference: SecretReference, scope: SecretScope): string {
  if (reference.kind === 'secretsmanager') return reference.region;
  return reference.arn?.region ?? scope.region;
}
