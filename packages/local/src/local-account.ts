/*
 * The one region, account and credentials of the local runtime: its endpoints, the SDK clients that
 * reach them and the tasks it runs all agree on these.
 */

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';
// DynamoDB Local accepts access key ids of letters and digits only.
export const LOCAL_CREDENTIALS = { accessKeyId: 'stevedorelocal', secretAccessKey: 'stevedorelocal' };

/**
 * The network every local task is launched into (RunTask's awsvpcConfiguration, as the launcher's
 * settings): Fargate needs one, and the local ECS checks it is given, as ECS does.
 */
export const LOCAL_NETWORK = {
  subnets: ['subnet-local'],
  securityGroups: ['sg-local'],
  assignPublicIp: false,
};

/** LOCAL_NETWORK as RunTask's networkConfiguration, for a caller of the ECS API itself. */
export const LOCAL_NETWORK_CONFIGURATION = {
  awsvpcConfiguration: {
    subnets: ['subnet-local'],
    securityGroups: ['sg-local'],
    assignPublicIp: 'DISABLED' as const,
  },
};
