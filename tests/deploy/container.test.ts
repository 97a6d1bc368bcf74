import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../server/config/env.js';
import { parseCidrList, ipInCidrs } from '../../server/http/cidr.js';
import { dockerfileProblems } from './dockerfile-rules.js';

/** The Dockerfile's rules and the shipped docker-compose.yml's promises (docs/deployment.md). */

describe('the Dockerfile', () => {
  it('keeps its rules: pinned bases, non-root USER, HEALTHCHECK, no secrets in ENV/ARG', () => {
    expect(dockerfileProblems(readFileSync('Dockerfile', 'utf8'))).toEqual([]);
  });

  it('the rules catch each violation', () => {
    const bad = [
      'FROM node:20-bookworm-slim AS build',
      'ARG NPM_TOKEN',
      'FROM node:latest',
      'ENV NODE_ENV=production OPENAI_API_KEY=sk-1 \\',
      '    PORT=8000',
      'COPY .env ./',
      'USER root',
    ].join('\n');
    expect(dockerfileProblems(bad)).toEqual([
      'line 1: base image node:20-bookworm-slim is not pinned to a digest or an exact version',
      'line 2: ARG NPM_TOKEN looks like a secret; pass secrets at run time',
      'line 3: base image node:latest is not pinned to a digest or an exact version',
      'line 4: ENV OPENAI_API_KEY looks like a secret; pass secrets at run time',
      'line 6: COPY copies .env into the image',
      'the final stage runs as root',
      'the final stage has no HEALTHCHECK',
    ]);
    expect(dockerfileProblems(`FROM node@sha256:${'a'.repeat(64)}\nUSER node\nHEALTHCHECK CMD true`)).toEqual([]);
  });

  it('is built from a context without secrets or local state', () => {
    const ignored = readFileSync('.dockerignore', 'utf8').split('\n').map((l) => l.trim());
    for (const entry of ['.env', 'node_modules', 'logs', '.git', 'deploy/nginx/htpasswd']) expect(ignored).toContain(entry);
  });
});

describe('docker-compose.yml', () => {
  const compose = YAML.parse(readFileSync('docker-compose.yml', 'utf8'));
  const { galaxy, proxy } = compose.services;
  const address = (service: any) => service.networks.galaxy.ipv4_address as string;

  it('publishes only the proxy; Galaxy trusts exactly the proxy\'s fixed address', () => {
    expect(galaxy.ports).toBeUndefined();
    expect(proxy.ports).toEqual(['8080:8080']);
    expect(galaxy.environment.TRUSTED_PROXIES).toBe(`${address(proxy)}/32`);
    const subnet = parseCidrList(compose.networks.galaxy.ipam.config[0].subnet);
    expect(ipInCidrs(address(proxy), subnet) && ipInCidrs(address(galaxy), subnet)).toBe(true);
  });

  it('requires PROXY_SECRET on both sides and gives Galaxy only settings it knows', () => {
    expect(galaxy.environment.PROXY_SECRET).toMatch(/^\$\{PROXY_SECRET:\?/);
    expect(proxy.environment.GALAXY_PROXY_SECRET).toBe(galaxy.environment.PROXY_SECRET);
    expect(Object.keys(galaxy.environment).filter((name) => !(name in envSchema.shape))).toEqual([]);
  });

  it('has a "scale" profile: two instances on PostgreSQL and Redis, trusting only their own proxy', () => {
    const { postgres, redis, 'galaxy-scaled': scaled, 'proxy-scaled': scaledProxy } = compose.services;
    for (const service of [postgres, redis, scaled, scaledProxy]) expect(service.profiles).toEqual(['scale']);
    expect(galaxy.profiles).toBeUndefined();
    expect(scaled.deploy.replicas).toBeGreaterThanOrEqual(2);
    expect(scaled.ports).toBeUndefined();
    expect(scaled.environment.DATABASE_URL).toMatch(/^postgres:\/\/galaxy:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/galaxy$/);
    expect(scaled.environment.REDIS_URL).toBe('redis://redis:6379');
    expect(scaled.environment.TRUSTED_PROXIES).toBe(`${scaledProxy.networks.galaxy.ipv4_address}/32`);
    expect(scaledProxy.environment.GALAXY_UPSTREAM).toBe('galaxy-scaled:8000');
    expect(Object.keys(scaled.environment).filter((name) => !(name in envSchema.shape))).toEqual([]);
    expect(Object.keys(scaled.depends_on).sort()).toEqual(['postgres', 'redis']);
  });

  it('runs the tested nginx template with every placeholder filled', () => {
    expect(proxy.image).toMatch(/^nginx:\d+\.\d+\.\d+/);
    expect(proxy.volumes).toContain('./deploy/nginx/galaxy.conf.template:/etc/nginx/templates/galaxy.conf.template:ro');
    const template = readFileSync('deploy/nginx/galaxy.conf.template', 'utf8');
    const placeholders = new Set([...template.matchAll(/\$\{(GALAXY_[A-Z_]+)\}/g)].map((m) => m[1]));
    const given = Object.keys(proxy.environment).filter((name) => name.startsWith('GALAXY_'));
    expect(new Set(given)).toEqual(placeholders);
    expect(proxy.environment.NGINX_ENVSUBST_FILTER).toBe('^GALAXY_');
    expect(proxy.environment.GALAXY_UPSTREAM).toBe(`galaxy:${galaxy.environment.PORT}`);
  });
});
