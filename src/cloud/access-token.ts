/**
 * An OAuth access token for Google APIs from Application Default Credentials
 * (google-auth-library): the VM's service account through the metadata server, a
 * service-account key file (GOOGLE_APPLICATION_CREDENTIALS), or `gcloud auth
 * application-default login`. Artifact Registry takes it as the password of user
 * `oauth2accesstoken`.
 */
import { GoogleAuth } from 'google-auth-library';

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';

export async function googleAccessToken(): Promise<string> {
  let token: string | null | undefined;
  try {
    token = await new GoogleAuth({ scopes: [CLOUD_PLATFORM_SCOPE] }).getAccessToken();
  } catch (e) {
    throw new Error(`no Google credentials: ${(e as Error).message} (run \`gcloud auth application-default login\`, or set GOOGLE_APPLICATION_CREDENTIALS to a service-account key file)`, { cause: e });
  }
  if (!token) throw new Error('Google credentials gave no access token (run `gcloud auth application-default login`)');
  return token;
}
