import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, envSchema, parseEnv } from '../../server/config/env.js';

describe('environment configuration', () => {
  it('applies the documented defaults to an empty environment', () => {
    const env = parseEnv({});
    expect(env.PORT).toBe(8000);
    expect(env.APP_NAME).toBe('Galaxy Chat');
    expect(env.LLM_CONFIG_FILE).toBe('config/llms.yml');
    expect(env.TEST_MODE).toBe(false);
    expect(env.TEST_EMAIL).toBe('test@test.com');
    expect(env.LOGS_DIR).toBe('logs');
    expect(env.DATA_DIR).toBe('data');
    expect(env.THINKING_INTERVAL_MS).toBe(5000);
    expect(env.TRUSTED_PROXIES.map((c) => c.text)).toEqual(['127.0.0.1/32', '::1/128']);
    expect(Object.isFrozen(env)).toBe(true);
  });

  it('lists every problem at once with the variable name, and ignores unknown variables', () => {
    let error: unknown;
    try {
      parseEnv({ PORT: 'eighty', TRUSTED_PROXIES: '10.0.0.0/33', TEST_MODE: 'maybe', ALLOWED_ORIGINS: 'not a url', SOMETHING_ELSE: 'x' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'TRUSTED_PROXIES', 'TEST_MODE', 'ALLOWED_ORIGINS']) expect(problems).toContain(name);
    expect(problems).not.toContain('SOMETHING_ELSE');
  });

  it('refuses the .env.example placeholder as PROXY_SECRET', () => {
    expect(() => parseEnv({ PROXY_SECRET: 'replace-me-with-openssl-rand-hex-32' })).toThrow(/PROXY_SECRET: still the \.env\.example placeholder/);
  });

  it('reads booleans in any case', () => {
    expect(parseEnv({ TEST_MODE: 'TRUE', DISABLE_WEBSOCKET: 'True', LLM_STARTUP_CHECK: 'No' })).toMatchObject({ TEST_MODE: true, DISABLE_WEBSOCKET: true, LLM_STARTUP_CHECK: false });
  });

  it('documents every setting in .env.example and docs/configuration.md', () => {
    const example = readFileSync('.env.example', 'utf8');
    const docs = readFileSync('docs/configuration.md', 'utf8');
    const missing = Object.keys(envSchema.shape).filter((name) => !example.includes(`${name}=`) || !docs.includes(`\`${name}\``));
    expect(missing).toEqual([]);
  });
});
