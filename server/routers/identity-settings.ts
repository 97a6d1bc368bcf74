import type { Env } from '../config/env.js';
import type { IdentitySettings } from '../http/identity.js';

export function identitySettings(env: Readonly<Env>): IdentitySettings {
  return {
    trustedProxies: env.TRUSTED_PROXIES,
    proxySecret: env.PROXY_SECRET,
    proxySecretHeader: env.PROXY_SECRET_HEADER,
    testMode: env.TEST_MODE,
    testEmail: env.TEST_EMAIL,
  };
}
