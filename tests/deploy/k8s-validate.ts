import { ConfigMap, PersistentVolumeClaim, Service } from 'kubernetes-models/v1';
import { Deployment } from 'kubernetes-models/apps/v1';
import { Ingress, NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';

/**
 * Validates rendered Kubernetes objects against the API schemas shipped in `kubernetes-models`.
 * Those schemas check types and required fields but allow unknown properties, so a misspelt field
 * (`resoures:`) would pass; `unknownFields` closes that gap (see there).
 */

interface KubeModel {
  validate(): void;
}
type ModelClass = new (data: any) => KubeModel;

/** Every kind our manifests may contain; a new kind must be added here to be validated at all. */
const MODELS: Record<string, ModelClass> = {
  'v1/ConfigMap': ConfigMap,
  'v1/Service': Service,
  'v1/PersistentVolumeClaim': PersistentVolumeClaim,
  'apps/v1/Deployment': Deployment,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'networking.k8s.io/v1/Ingress': Ingress,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
};

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; [key: string]: unknown };
  [key: string]: any;
}

/** The problems with one object, as readable lines; [] when it is valid. */
export function validateObject(object: KubeObject): string[] {
  const id = `${object.kind}/${object.metadata?.name}`;
  const Model = MODELS[`${object.apiVersion}/${object.kind}`];
  if (!Model) return [`${id}: no schema registered for ${object.apiVersion} ${object.kind}`];
  const schemaError = errorOf(Model, object);
  if (schemaError) return [`${id}: ${schemaError}`];
  return unknownFields(Model, object).map((path) => `${id}: unknown field ${path}`);
}

function errorOf(Model: ModelClass, data: unknown): string | undefined {
  try {
    new Model(data).validate();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

function errorPaths(Model: ModelClass, data: unknown): string[] {
  try {
    new Model(data).validate();
    return [];
  } catch (err) {
    const errors = (err as { errors?: Array<{ instancePath?: string }> }).errors ?? [];
    return errors.map((e) => e.instancePath ?? '');
  }
}

/**
 * Finds properties the schema does not know. For each property at every depth, the value is swapped
 * for one of an impossible type: a property the schema describes then fails validation at exactly
 * that path, while an unknown one passes unnoticed — which is how we spot it. Maps (labels,
 * annotations, ConfigMap data) have typed values, so their arbitrary keys count as known.
 */
export function unknownFields(Model: ModelClass, object: KubeObject): string[] {
  const unknown: string[] = [];
  const visit = (value: unknown, path: Array<string | number>) => {
    if (typeof value !== 'object' || value === null) return;
    const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    for (const [key, child] of entries) {
      const childPath = [...path, key];
      if (path.length === 0 && (key === 'apiVersion' || key === 'kind')) continue;
      const probe = structuredClone(object) as Record<string, unknown>;
      setAt(probe, childPath, typeof child === 'boolean' ? 'not-a-boolean' : true);
      const pointer = toPointer(childPath);
      if (!errorPaths(Model, probe).some((p) => p === pointer)) {
        unknown.push(childPath.join('.'));
        continue;
      }
      visit(child, childPath);
    }
  };
  visit(object, []);
  return unknown;
}

function setAt(root: Record<string, unknown>, path: Array<string | number>, value: unknown): void {
  let node: any = root;
  for (const key of path.slice(0, -1)) node = node[key];
  node[path[path.length - 1]!] = value;
}

function toPointer(path: Array<string | number>): string {
  return path.map((p) => `/${String(p).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}
