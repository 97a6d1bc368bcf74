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

/** Decoded bytes an image may have; its base64 data: URL is about a third longer. */
export const MAX_IMAGE_BYTES = 1024 * 1024;
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;
// Raster types only: an SVG data: URL can carry script, so it is never accepted.
const IMAGE_DATA_URL = /^data:image\/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+={0,2}$/;

export const imageUi = z.strictObject({
  type: z.literal('image'),
  src: z.string().max(Math.ceil(MAX_IMAGE_BYTES / 3) * 4 + 40).regex(IMAGE_DATA_URL, 'must be a base64 data: URL of a png, jpeg, gif or webp image'),
  alt: z.string().max(500).optional(),
});

/** Only http(s) links are rendered as links: other schemes (javascript:, file:) never become an href. */
export const linksUi = z.strictObject({
  type: z.literal('links'),
  links: z
    .array(
      z.strictObject({
        url: z.url({ protocol: /^https?$/ }).max(2000),
        title: z.string().max(300).optional(),
        description: z.string().max(1000).optional(),
      }),
    )
    .min(1)
    .max(50),
});

export const toolUi = z.discriminatedUnion('type', [tableUi, chartUi, buttonsUi, codeUi, imageUi, linksUi]);

export type ToolUi = z.infer<typeof toolUi>;
