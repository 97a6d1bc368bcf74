/** A refusal rejects with the server's own words, which the page shows as they are. */
export async function uploadAttachment(file, conversationId) {
  const query = new URLSearchParams({ conversation: conversationId, name: file.name || 'pasted file' });
  let response;
  try {
    response = await fetch(`/api/attachments?${query}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/octet-stream' },
      body: file,
      credentials: 'same-origin',
    });
  } catch {
    throw new Error(`${file.name} could not be uploaded: the server is not reachable.`);
  }
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.error?.message ?? `${file.name} could not be uploaded (HTTP ${response.status}).`);
  return body;
}
