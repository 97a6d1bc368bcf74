/**
 * The rules our Dockerfile must keep, as a checker over its text (so the rules themselves are tested
 * against bad examples too): base images pinned to a digest or an exact version, a non-root USER in
 * the final stage, a HEALTHCHECK, no secret-looking names in ENV or ARG, and no .env copied in.
 */

export interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** Instructions with continuation lines joined and comments dropped. */
export function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let pending = '';
  let start = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) return;
    if (pending === '') start = index + 1;
    pending += `${line.replace(/\\$/, '')} `;
    if (line.endsWith('\\')) return;
    const match = /^(\S+)\s*(.*)$/.exec(pending.trim());
    if (match) instructions.push({ keyword: match[1]!.toUpperCase(), args: match[2]!.trim(), line: start });
    pending = '';
  });
  return instructions;
}

const SECRET_NAME = /(SECRET|PASSWORD|PASSWD|TOKEN|API_KEY|ACCESS_KEY|PRIVATE_KEY|CREDENTIAL)/i;
const PINNED = /(@sha256:[0-9a-f]{64}$)|(:\d+\.\d+\.\d+[^:/@]*$)/;

export function dockerfileProblems(text: string): string[] {
  const problems: string[] = [];
  const instructions = parseDockerfile(text);
  const stages: string[] = [];
  let finalStage: Instruction[] = [];
  for (const ins of instructions) {
    if (ins.keyword === 'FROM') {
      const [image = '', as, name] = ins.args.replace(/--platform=\S+\s+/, '').split(/\s+/);
      if (!stages.includes(image) && !PINNED.test(image)) problems.push(`line ${ins.line}: base image ${image} is not pinned to a digest or an exact version`);
      if (as?.toUpperCase() === 'AS' && name) stages.push(name);
      finalStage = [];
    }
    finalStage.push(ins);
    if (ins.keyword === 'ENV' || ins.keyword === 'ARG') {
      const names = ins.args.match(/(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)(?==|\s|$)/g)?.map((n) => n.trim()) ?? [];
      for (const name of names) if (SECRET_NAME.test(name)) problems.push(`line ${ins.line}: ${ins.keyword} ${name} looks like a secret; pass secrets at run time`);
    }
    if ((ins.keyword === 'COPY' || ins.keyword === 'ADD') && /(^|\s|\/)\.env(\s|$)/.test(ins.args)) {
      problems.push(`line ${ins.line}: ${ins.keyword} copies .env into the image`);
    }
  }
  const users = finalStage.filter((i) => i.keyword === 'USER');
  const user = users.at(-1)?.args.split(':')[0];
  if (user === undefined) problems.push('the final stage has no USER: it would run as root');
  else if (user === 'root' || user === '0') problems.push(`the final stage runs as ${user}`);
  const health = finalStage.filter((i) => i.keyword === 'HEALTHCHECK').at(-1);
  if (!health || /^NONE$/i.test(health.args)) problems.push('the final stage has no HEALTHCHECK');
  return problems;
}
