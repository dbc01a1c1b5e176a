import {
  type SecretInput,
  type SecretScope,
  secretKmsKey,
  secretReference,
  secretRegion,
  secretResourceArn,
  secretValueFrom,
} from '@stevedore/core/config';
import { type PolicyStatement, unique } from './policy';

/** One entry of a container definition's `secrets`. */
export interface ContainerSecret {
  name: string;
  valueFrom: string;
}

/** A definition's secrets as ECS takes them, sorted by name so the JSON is stable. */
export function containerSecrets(
  secrets: Record<string, SecretInput>,
  scope: SecretScope,
): ContainerSecret[] {
  return Object.entries(secrets)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, input]) => ({ name, valueFrom: secretValueFrom(secretReference(input), scope) }));
}

/**
 * What an execution role needs to hand a definition its secrets, and nothing broader: GetSecretValue
 * on each secret's ARN (a JSON key or version does not narrow IAM), GetParameters on each parameter's
 * ARN, and kms:Decrypt only on the customer keys the config names, only through the service that
 * stores the secret, in its region. With no customer key, AWS-managed keys need no grant.
 */
export function readSecretsStatements(
  secrets: Record<string, SecretInput>,
  scope: SecretScope,
): PolicyStatement[] {
  const entries = Object.values(secrets).map((input) => ({
    reference: secretReference(input),
    kmsKey: secretKmsKey(input),
  }));
  const of = (kind: 'secretsmanager' | 'ssm') => entries.filter((e) => e.reference.kind === kind);
  const decrypt = (sid: string, kind: 'secretsmanager' | 'ssm'): PolicyStatement => {
    const keyed = of(kind).filter((e) => e.kmsKey !== undefined);
    return {
      Sid: sid,
      Effect: 'Allow',
      Action: ['kms:Decrypt'],
      Resource: unique(keyed.map((e) => e.kmsKey as string)),
      Condition: {
        StringEquals: {
          'kms:ViaService': unique(
            keyed.map((e) => `${kind}.${secretRegion(e.reference, scope)}.amazonaws.com`),
          ),
        },
      },
    };
  };
  return [
    {
      Sid: 'ReadSecrets',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: unique(of('secretsmanager').map((e) => secretResourceArn(e.reference, scope))),
    },
    {
      Sid: 'ReadParameters',
      Effect: 'Allow',
      Action: ['ssm:GetParameters'],
      Resource: unique(of('ssm').map((e) => secretResourceArn(e.reference, scope))),
    },
    decrypt('DecryptSecrets', 'secretsmanager'),
    decrypt('DecryptParameters', 'ssm'),
  ];
}
