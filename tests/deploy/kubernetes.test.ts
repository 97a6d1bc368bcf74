import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { envSchema } from '../../server/config/env.js';
import { parseLlmConfig } from '../../server/llm/llm-config.js';
import { YamlAccessPolicy } from '../../server/access/yaml-policy.js';
import { unknownFields, validateObject, type KubeObject } from './k8s-validate.js';
import { Deployment } from 'kubernetes-models/apps/v1';

/**
 * Renders the kustomize base and every overlay with `kubectl kustomize` and validates every object
 * against the Kubernetes API schemas (kubernetes-models), unknown fields included, then checks what
 * docs/deployment.md promises. kubectl is not in Debian bookworm: .ci/run installs it; under CI=true
 * a missing kubectl fails this file instead of skipping it.
 */

const ROOT = 'deploy/kubernetes';
const TARGETS = [`${ROOT}/base`, ...readdirSync(`${ROOT}/overlays`).map((o) => `${ROOT}/overlays/${o}`)];
const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;
const inCi = /^(1|true)$/i.test(process.env.CI ?? '');

function render(dir: string): KubeObject[] {
  const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
  return YAML.parseAllDocuments(out).map((d) => d.toJS() as KubeObject);
}

const one = (objects: KubeObject[], kind: string) => {
  const found = objects.filter((o) => o.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
};

/** The settings the pod gets from its generated env ConfigMap. */
const configMapsOf = (objects: KubeObject[]): Map<string, string> =>
  new Map(Object.entries(objects.find((o) => o.kind === 'ConfigMap' && o.data?.HOST)?.data ?? {}) as Array<[string, string]>);

describe.runIf(!hasKubectl && inCi)('kubernetes manifests (CI)', () => {
  it('needs kubectl, which .ci/run installs', () => {
    throw new Error('kubectl is not on PATH; under CI=true the Kubernetes manifests must be validated, not skipped');
  });
});

describe.skipIf(!hasKubectl)('kubernetes manifests', () => {
  it('has an overlay besides the base', () => {
    expect(TARGETS).toContain(`${ROOT}/overlays/sqlite-single`);
  });

  it('the validator catches a misspelt field (so a typo in the manifests fails)', () => {
    const deployment = structuredClone(one(render(`${ROOT}/base`), 'Deployment'));
    deployment.spec.template.spec.containers[0].resoures = {};
    deployment.spec.template.spec.containers[0].livenessProbe.httpGet.paht = '/health';
    expect(unknownFields(Deployment, deployment).sort()).toEqual([
      'spec.template.spec.containers.0.livenessProbe.httpGet.paht',
      'spec.template.spec.containers.0.resoures',
    ]);
    deployment.spec.replicas = 'two';
    expect(validateObject(deployment)[0]).toContain('spec/replicas must be integer');
  });

  for (const target of TARGETS) {
    describe(target, () => {
      const objects = hasKubectl ? render(target) : [];

      it('renders only objects that validate against the Kubernetes schemas', () => {
        expect(objects.length).toBeGreaterThan(5);
        expect(objects.flatMap(validateObject)).toEqual([]);
      });

      it('runs Galaxy non-root on a read-only root with writable logs, data and tmp, probes and limits', () => {
        const pod = one(objects, 'Deployment').spec.template.spec;
        const [container] = pod.containers;
        expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
        expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
        expect(container.livenessProbe.httpGet.path).toBe('/health');
        expect(container.readinessProbe.httpGet.path).toBe('/ready');
        expect(Object.keys(container.resources.requests)).toEqual(expect.arrayContaining(['cpu', 'memory']));
        expect(Object.keys(container.resources.limits)).toEqual(expect.arrayContaining(['cpu', 'memory']));
        const mounts = Object.fromEntries(container.volumeMounts.map((m: any) => [m.mountPath, m]));
        for (const path of ['/app/logs', '/app/data', '/tmp']) {
          expect(mounts[path]?.readOnly, path).not.toBe(true);
          expect(pod.volumes.some((v: any) => v.name === mounts[path].name)).toBe(true);
        }
        // Enough time for SHUTDOWN_GRACE_MS (10 s) to finish running answers before SIGKILL.
        expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(10);
      });

      it('references ConfigMaps it renders and a Secret it does not (secrets stay out of git)', () => {
        const container = one(objects, 'Deployment').spec.template.spec.containers[0];
        const configMaps = new Map(objects.filter((o) => o.kind === 'ConfigMap').map((o) => [o.metadata.name, o]));
        const envMap = container.envFrom.find((e: any) => e.configMapRef).configMapRef.name;
        expect(configMaps.has(envMap)).toBe(true);
        expect(container.envFrom.find((e: any) => e.secretRef).secretRef.name).toBe('galaxy-chat-secrets');
        expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
        // Every setting is one Galaxy knows, and the values parse as it would parse them.
        const env = configMaps.get(envMap)!.data as Record<string, string>;
        expect(Object.keys(env).filter((name) => !(name in envSchema.shape))).toEqual([]);
        expect(envSchema.safeParse(env).success).toBe(true);
        const files = [...configMaps.values()].find((c) => c.data?.['llms.yml'])!.data;
        expect(Object.keys(files).sort()).toEqual(['access.yml', 'llms.yml', 'tenants.yml']);
        expect(env.LLM_CONFIG_FILE).toBe('/etc/galaxy/llms.yml');
        const models = parseLlmConfig(files['llms.yml'], 'llms.yml', { vars: {} });
        expect(models.map((m) => m.name)).toContain('demo');
        expect(() => YamlAccessPolicy.fromDocument(YAML.parse(files['access.yml']))).not.toThrow();
      });

      it('has a Service, a PodDisruptionBudget and an Ingress with WebSocket timeouts and proxy auth', () => {
        const service = one(objects, 'Service');
        const deployment = one(objects, 'Deployment');
        expect(deployment.spec.template.metadata.labels).toMatchObject(service.spec.selector);
        const pdb = one(objects, 'PodDisruptionBudget');
        expect(deployment.spec.template.metadata.labels).toMatchObject(pdb.spec.selector.matchLabels);
        // A budget that can never be met would block node drains forever.
        if (deployment.spec.replicas === 1) expect(pdb.spec.maxUnavailable).toBe(1);
        else expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
        const annotations = one(objects, 'Ingress').metadata.annotations as Record<string, string>;
        expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-read-timeout'])).toBeGreaterThanOrEqual(3600);
        expect(Number(annotations['nginx.ingress.kubernetes.io/proxy-send-timeout'])).toBeGreaterThanOrEqual(3600);
        expect(annotations['nginx.ingress.kubernetes.io/auth-url']).toMatch(/\/oauth2\/auth$/);
        expect(annotations['nginx.ingress.kubernetes.io/auth-response-headers']).toContain('X-Email-User');
        const policy = one(objects, 'NetworkPolicy').spec.ingress;
        expect(policy[0].from[0].podSelector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'ingress-nginx' });
        // The metrics port needs no auth, so only the monitoring namespace may reach it, and only it.
        const ports = one(objects, 'Deployment').spec.template.spec.containers[0].ports;
        const metricsPort = ports.find((p: any) => p.name === 'metrics');
        expect(String(metricsPort.containerPort)).toBe(configMapsOf(objects).get('METRICS_PORT'));
        expect(policy[1]).toEqual({ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ port: 'metrics', protocol: 'TCP' }] });
        expect(one(objects, 'Service').spec.ports.map((p: any) => p.targetPort)).toEqual(['http']);
      });
    });
  }

  it('runs the scale-out overlay as 2+ pods that require PostgreSQL and Redis, with an autoscaler', () => {
    const objects = render(`${ROOT}/overlays/scale-out`);
    const deployment = one(objects, 'Deployment');
    expect(deployment.spec.replicas).toBeGreaterThanOrEqual(2);
    const env = Object.fromEntries(deployment.spec.template.spec.containers[0].env.map((e: any) => [e.name, e.valueFrom?.secretKeyRef]));
    for (const name of ['DATABASE_URL', 'REDIS_URL']) expect(env[name]).toEqual({ name: 'galaxy-chat-secrets', key: name, optional: false });
    const hpa = one(objects, 'HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: deployment.metadata.name });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    expect(one(objects, 'PodDisruptionBudget').spec.minAvailable).toBeLessThan(hpa.spec.minReplicas);
  });

  it('keeps the SQLite overlay to one pod on a claim, never two at once', () => {
    const objects = render(`${ROOT}/overlays/sqlite-single`);
    const deployment = one(objects, 'Deployment');
    expect(deployment.spec.replicas).toBe(1);
    expect(deployment.spec.strategy).toEqual({ type: 'Recreate' });
    const claim = one(objects, 'PersistentVolumeClaim');
    const claimed = deployment.spec.template.spec.volumes.filter((v: any) => v.persistentVolumeClaim?.claimName === claim.metadata.name);
    expect(claimed.map((v: any) => v.name).sort()).toEqual(['data', 'logs']);
  });
});
