import { readFileSync } from 'node:fs';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';

/** What the CI workflow promises (docs/operations.md, "Releases"): a misedit here fails a test. */
describe('the CI workflow', () => {
  const workflow = YAML.parse(readFileSync('.github/workflows/ci.yml', 'utf8'));
  const steps = (job: string) => workflow.jobs[job].steps as Array<Record<string, any>>;

  it('tests every push and pull request with .ci/run', () => {
    expect(Object.keys(workflow.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
    expect(steps('test').some((s) => s.run === '.ci/run')).toBe(true);
  });

  it('builds the image after the tests, scans it with Trivy and fails on fixable HIGH/CRITICAL', () => {
    expect(workflow.jobs.image.needs).toBe('test');
    const trivy = steps('image').find((s) => String(s.uses).startsWith('aquasecurity/trivy-action@'));
    expect(trivy?.with).toMatchObject({ 'exit-code': '1', severity: 'HIGH,CRITICAL' });
  });

  it('pushes ghcr.io/<owner>/galaxy-chat with semver tags and latest only for a version tag', () => {
    const meta = steps('image').find((s) => s.id === 'meta')!;
    expect(meta.with.images).toBe('ghcr.io/${{ github.repository_owner }}/galaxy-chat');
    expect(meta.with.tags).toContain('type=semver,pattern={{version}}');
    expect(meta.with.flavor).toContain("latest=${{ startsWith(github.ref, 'refs/tags/v') }}");
    const push = steps('image').find((s) => s.with?.push === true)!;
    expect(push.if).toBe("startsWith(github.ref, 'refs/tags/v')");
    expect(workflow.on.push.tags).toEqual(['v*.*.*']);
    expect(workflow.jobs.image.permissions.packages).toBe('write');
  });
});
