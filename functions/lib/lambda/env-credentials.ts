/**
 * Stands in for @aws-sdk/credential-provider-node in the Lambda bundles (build-functions aliases it).
 * On Lambda the credentials of the function's role are always in the environment, so the rest of the
 * default chain (SSO, profiles, web identity, IMDS and the STS/SSO clients they pull in, ~80 KB) can
 * never be used there and only weighs on cold starts.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init: Parameters<typeof fromEnv>[0] = {}) => fromEnv(init);
type Credentials = { expiration?: Date };
/** As the default chain: only credentials with an expiration are ever refreshed. */
export const credentialsWillNeedRefresh = (credentials: Credentials) => credentials?.expiration !== undefined;
export const credentialsTreatedAsExpired = (credentials: Credentials) =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300_000;
