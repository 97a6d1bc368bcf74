import { z } from 'zod';

/**
 * The small vocabulary of rich results a tool may attach. The page renders each kind itself, with
 * text nodes only: tools never send HTML. Every `ui` is validated here before it leaves the server.
 */

const cell = z.union([z.string().max(10_000), z.number(), z.boolean(), z.null()]);

export const tableUi = z.strictObject({
  type: z.literal('table'),
  columns: z.array(z.string().max(200)).min(1).max(100),
  rows: z.array(z.array(cell).max(100)).max(10_000),
  truncated: z.boolean().optional(),
  caption: z.string().max(500).optional(),
});

export const chartUi = z.strictObject({
  type: z.literal('chart'),
  kind: z.enum(['line', 'bar', 'pie']),
  title: z.string().max(200).optional(),
  labels: z.array(z.union([z.string().max(200), z.number()])).max(1000),
  datasets: z
    .array(z.strictObject({ label: z.string().max(200), data: z.array(z.number().finite()).max(1000) }))
    .min(1)
    .max(10),
});

export const buttonsUi = z.strictObject({
  type: z.literal('buttons'),
  buttons: z.array(z.strictObject({ label: z.string().min(1).max(100), message: z.string().min(1).max(2000) })).min(1).max(10),
});

export const codeUi = z.strictObject({
  type: z.literal('code'),
  language: z.string().max(40),
  code: z.string().max(100_000),
  output: z.string().max(200_000).optional(),
});

export const toolUi = z.discriminatedUnion('type', [tableUi, chartUi, buttonsUi, codeUi]);

export type ToolUi = z.infer<typeof toolUi>;
