/**
 * The persistence seam (design §13): conversations, messages, feedback, the usage ledger and budget
 * reservations. SQLite implements it now and PostgreSQL later, so everything is asynchronous and no
 * driver type appears here. Owners are e-mail addresses compared case-insensitively; a conversation
 * that belongs to someone else behaves exactly like one that does not exist.
 */

export type StoredRole = 'user' | 'assistant' | 'tool';

export interface StoredToolCall {
  id: string;
  name: string;
  /** The model's raw JSON argument text, kept as sent. */
  arguments: string;
}

export interface StoredUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** True when the provider sent no usage and we counted tokens ourselves. */
  estimated?: boolean;
}

/** How a file reaches the model: its text (text files and PDFs) or as an image part. */
export type AttachmentKind = 'text' | 'pdf' | 'image';

/** A file as a message mentions it: enough to show a chip (name, size) and find the file again. */
export interface AttachmentRef {
  id: string;
  name: string;
  /** The type sniffed from the content, e.g. text/csv, application/pdf, image/png. */
  mime: string;
  kind: AttachmentKind;
  /** Bytes as uploaded. */
  size: number;
}

/** `usedBytes`: the owner's stored total after the save, or (refused) before it. */
export type AttachmentSaved = { ok: true; usedBytes: number } | { ok: false; usedBytes: number };

/** An uploaded file, kept with its conversation and deleted with it. */
export interface StoredAttachment extends AttachmentRef {
  conversationId: string;
  /** Lower-cased e-mail of the person who uploaded it; nobody else ever reads it. */
  owner: string;
  /** What the model reads for text files and PDFs (already capped); absent for images. */
  text?: string;
  /** The file's bytes as uploaded. */
  data: Buffer;
  /** ISO 8601. */
  createdAt: string;
}

export interface UpsertOptions {
  /**
   * The text is still growing (a streaming answer's interval save). The search index may then keep
   * an earlier text of the message, but never loses it: the next save without `partial` indexes the
   * text, and when the store opens it indexes what a crash left saved partial.
   */
  partial?: boolean;
}

/** One message, provider-neutral. */
export interface StoredMessage {
  id: string;
  conversationId: string;
  /** Order within the conversation; the store assigns the next number on insert when absent. */
  seq?: number;
  role: StoredRole;
  text: string;
  /** ISO 8601. */
  createdAt: string;
  model?: string;
  /** True while an answer is still streaming, or when it was cut off. */
  incomplete?: boolean;
  finishReason?: string;
  /** An assistant message asking for tools. */
  toolCalls?: StoredToolCall[];
  /** role 'tool': the result of one call. */
  toolCallId?: string;
  toolName?: string;
  toolArgs?: unknown;
  toolError?: string;
  toolUi?: unknown;
  usage?: StoredUsage;
  timings?: { firstTokenMs?: number; durationMs?: number };
  /** role 'user': the files sent with it (their content lives in the attachments table). */
  attachments?: AttachmentRef[];
  /** Replaced by a regenerated answer or an edited message: kept as an earlier version, out of the model's view. */
  superseded?: boolean;
}

/** A message as read back: the store always knows its position. */
export type SavedMessage = StoredMessage & { seq: number };

export interface ConversationRecord {
  id: string;
  /** Lower-cased e-mail of the person it belongs to. */
  owner: string;
  tenant: string;
  title: string;
  model: string;
  tools: string[];
  dataSources: string[];
  /** Tools, data sources and tenant are fixed once the first message is sent. */
  locked: boolean;
  createdAt: string;
  /** Time of the latest message (the creation time before there is one); lists are ordered by it. */
  updatedAt: string;
  messageCount: number;
}

export type NewConversation = Omit<ConversationRecord, 'messageCount' | 'updatedAt'>;
export type ConversationPatch = Partial<Pick<ConversationRecord, 'title' | 'model' | 'tools' | 'dataSources' | 'locked' | 'tenant'>>;

export interface ConversationPage {
  items: ConversationRecord[];
  /** Opaque; pass it back to get the next page. Absent on the last page. */
  nextCursor?: string;
}

export interface SearchHit {
  conversation: ConversationRecord;
  /** Plain text around the best match, with "…" where it was cut. */
  snippet: string;
  /** Relevance; higher is better. Hits come sorted by it. */
  rank: number;
}

export interface Feedback {
  conversationId: string;
  messageId?: string;
  user: string;
  rating?: 'good' | 'bad';
  comment?: string;
  at: string;
}

export interface UsageEvent {
  user: string;
  tenant: string;
  model: string;
  at: Date;
  promptTokens: number;
  completionTokens: number;
  estimated: boolean;
  conversationId?: string;
}

export interface UsageRow {
  user: string;
  tenant: string;
  model: string;
  /** YYYY-MM (UTC). */
  month: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  estimatedCalls: number;
}

export interface Membership {
  /** Lower-cased. */
  email: string;
  tenant: string;
}

export interface BudgetAmounts {
  requests: number;
  promptTokens: number;
  completionTokens: number;
}

export type BudgetDimension = keyof BudgetAmounts;

export interface BudgetRequest extends BudgetAmounts {
  tenant: string;
  /** YYYY-MM the spending counts against. */
  month: string;
  /** Absent limit: unlimited on that dimension. */
  limits: Partial<BudgetAmounts>;
  /** A reservation not settled within this time stops counting (a crashed turn cannot hold budget forever). */
  ttlMs: number;
  now: Date;
}

export type BudgetReservation =
  | { ok: true; reservationId: string }
  | { ok: false; exceeded: BudgetDimension; used: BudgetAmounts };

/** What the store holds for one tenant's month: settled spending and the live reservations in it. */
export interface BudgetLedgerState {
  spent: BudgetAmounts;
  /** The sum of reservations still live at the `now` asked about (zero when none). */
  held: BudgetAmounts;
  /** When the last of those expires; absent when none is live. */
  heldUntil?: Date;
}

export interface Store {
  createConversation(c: NewConversation): Promise<void>;
  /** False when there is no such conversation for this owner. */
  updateConversation(id: string, owner: string, patch: ConversationPatch): Promise<boolean>;
  getConversation(id: string, owner: string): Promise<ConversationRecord | undefined>;
  /** Newest (updatedAt) first, keyset paging; limit 1..100. */
  listConversations(owner: string, opts: { limit: number; cursor?: string }): Promise<ConversationPage>;
  /** Full-text search over titles and user/assistant message text, best first. */
  searchConversations(owner: string, q: string, opts: { limit: number }): Promise<SearchHit[]>;
  /** Gone for good, with its messages and feedback. False when unknown for this owner. */
  deleteConversation(id: string, owner: string): Promise<boolean>;
  /** Inserts (or replaces, by id) a batch of messages in one transaction. */
  appendMessages(conversationId: string, messages: StoredMessage[]): Promise<void>;
  /** Insert or replace one message by id: a partial answer saved while streaming, then its final form. */
  upsertMessage(m: StoredMessage, options?: UpsertOptions): Promise<void>;
  /**
   * Marks this message and every later one of the conversation as superseded (an answer regenerated,
   * a message edited): they stay, as the earlier branch. Returns how many; 0 when unknown for this owner.
   */
  supersedeFrom(conversationId: string, owner: string, messageId: string): Promise<number>;
  /** In seq order; empty for an unknown conversation or another owner's. */
  getMessages(conversationId: string, owner: string): Promise<SavedMessage[]>;
  /** NOT_FOUND unless the conversation belongs to f.user. */
  saveFeedback(f: Feedback): Promise<void>;
  recordUsage(u: UsageEvent): Promise<void>;
  usageFor(user: string, month: string): Promise<UsageRow[]>;
  usageAll(month: string): Promise<UsageRow[]>;
  /** Atomically checks the limits against settled use plus live reservations and holds this worst case. */
  reserveBudget(r: BudgetRequest): Promise<BudgetReservation>;
  /**
   * Replaces a reservation by what the call really used, and returns the month's totals after it (as
   * `budgetUsed` at `now` would). Settling twice, or an unknown id, changes nothing and returns undefined.
   */
  settleBudget(reservationId: string, actual: { promptTokens: number; completionTokens: number }, now: Date): Promise<BudgetAmounts | undefined>;
  /** Settled use plus reservations that have not expired at `now`. */
  budgetUsed(tenant: string, month: string, now: Date): Promise<BudgetAmounts>;
  /**
   * Settled use and live reservations kept apart: what an in-process budget ledger (one process owns
   * the SQLite file) starts a tenant's month from.
   */
  budgetLedgerState(tenant: string, month: string, now: Date): Promise<BudgetLedgerState>;
  /**
   * Adds an already-decided charge to the month's settled spending, in one transaction, applied before
   * any store call made after this one (the store on its worker posts it a moment later, not later
   * than that next call).
   */
  addBudgetSpent(tenant: string, month: string, amounts: BudgetAmounts): Promise<void>;
  /**
   * Runs the operator's TENANT_MEMBERS_QUERY (read-only, returning `email` and `tenant` columns): the
   * user↔tenant map of deployments that keep it as rows (e.g. auth_users / auth_user_tenants).
   */
  queryMemberships(sql: string): Promise<Membership[]>;
  /**
   * Keeps an uploaded file with its conversation. NOT_FOUND unless the conversation belongs to a.owner.
   * With `quotaBytes`, the owner's stored total is checked and the file inserted in one transaction,
   * so concurrent uploads of one person cannot pass it; a refused file changes nothing.
   */
  saveAttachment(a: StoredAttachment, quotaBytes?: number): Promise<AttachmentSaved>;
  /** One file by id; undefined when unknown or another owner's (the two read the same). */
  getAttachment(id: string, owner: string): Promise<StoredAttachment | undefined>;
  /** Bytes of files this person has stored, over all their conversations. */
  attachmentBytesUsed(owner: string): Promise<number>;
  /**
   * The conversation's files, oldest first; only `ids` when given. Empty for an unknown conversation
   * or another owner's, so someone else's attachment id reads exactly like one that does not exist.
   */
  getAttachments(conversationId: string, owner: string, ids?: readonly string[]): Promise<StoredAttachment[]>;
  /** Retention: deletes conversations whose updatedAt is before the cutoff; returns how many. */
  deleteConversationsOlderThan(cutoff: Date): Promise<number>;
  close(): Promise<void>;
}

/** YYYY-MM of a moment, in UTC. */
export function monthOf(at: Date): string {
  return at.toISOString().slice(0, 7);
}

export const MONTH_PATTERN = /^\d{4}-(0[1-9]|1[0-2])$/;
