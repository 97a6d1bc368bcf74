import { AppError } from '../errors.js';
import type { ModelFile } from '../llm/types.js';
import type { AttachmentRef, StoredAttachment, Store } from '../store/store.js';
import type { AttachmentLimits } from './attachment-limits.js';
import { refOf } from './attachment-intake.js';

export interface MessageFiles {
  /** What the message records and the page shows as chips. */
  refs: AttachmentRef[];
  /** What the model receives with the message. */
  files: ModelFile[];
}

export interface FilesRequest {
  conversationId: string;
  owner: string;
  ids: readonly string[];
  /** The chosen model's `vision` option. */
  acceptsImages: boolean;
  modelLabel: string;
}

/** The model's view of stored files: text for text files and PDFs, base64 for images. */
export function modelFiles(attachments: readonly StoredAttachment[]): ModelFile[] {
  return attachments.map((a): ModelFile =>
    a.kind === 'image' ? { kind: 'image', name: a.name, mime: a.mime, base64: a.data.toString('base64') } : { kind: 'text', name: a.name, mime: a.mime, text: a.text ?? '' },
  );
}

/**
 * The files a `send` names. Each id must be an upload to this conversation by this person: any other
 * id (unknown, another chat's, another person's) is refused alike, so ids cannot be probed. Images
 * are refused before any request for a model that does not accept them.
 */
export class MessageAttachments {
  constructor(
    private readonly store: Pick<Store, 'getAttachments'>,
    readonly limits: AttachmentLimits,
  ) {}

  async forMessage(request: FilesRequest): Promise<MessageFiles> {
    const ids = [...new Set(request.ids)];
    if (ids.length === 0) return { refs: [], files: [] };
    if (ids.length > this.limits.maxFiles) {
      throw new AppError('BAD_MESSAGE', `A message may carry at most ${this.limits.maxFiles} files (ATTACHMENT_MAX_FILES); this one has ${ids.length}.`);
    }
    const found = await this.store.getAttachments(request.conversationId, request.owner, ids);
    const byId = new Map(found.map((a) => [a.id, a]));
    const missing = ids.find((id) => !byId.has(id));
    if (missing !== undefined) throw new AppError('NOT_FOUND', `No attachment "${missing.slice(0, 100)}" in this chat; attach the file again.`);
    const ordered = ids.map((id) => byId.get(id)!);
    const image = ordered.find((a) => a.kind === 'image');
    if (image && !request.acceptsImages) {
      throw new AppError(
        'IMAGES_UNSUPPORTED',
        `${request.modelLabel} does not accept images, so ${image.name} cannot be sent; choose a model that accepts images, or remove the image.`,
      );
    }
    return { refs: ordered.map(refOf), files: modelFiles(ordered) };
  }
}
