/*
 * The one region, account and credentials of the local runtime: its endpoints, the SDK clients that
 * reach them and the tasks it runs all agree on these.
 */

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';
// DynamoDB Local accepts access key ids of letters and digits only.
export const LOCAL_CREDENTIALS = { accessKeyId: 'stevedorelocal', secretAccessKey: 'stevedorelocal' };
