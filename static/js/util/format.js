export function formatStatus({ text, elapsedMs, tool }) {
  const base = tool ? `Running ${tool}…` : text || 'Thinking…';
  if (typeof elapsedMs !== 'number' || elapsedMs < 1000) return base;
  // The server may already say how long it has been.
  if (/\d\s*s\b/.test(base)) return base;
  return `${base} ${Math.round(elapsedMs / 1000)} s`;
}

export function previewText(text, maxLength = 80) {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  return oneLine.length > maxLength ? `${oneLine.slice(0, maxLength - 1)}…` : oneLine;
}

export function endNote(message) {
  if (message.error) return message.error;
  switch (message.finishReason) {
    case 'stopped':
      return 'Stopped before the answer was complete.';
    case 'length':
      return 'The answer reached the length limit.';
    case 'tool_rounds_exceeded':
      return 'The model used too many tool rounds and was stopped.';
    default:
      return 'The answer ended before it was complete.';
  }
}

/** One formatter made once: `toLocaleString` builds one per call, and every message asks twice. */
let timestampFormat = null;
export function formatTimestamp(date) {
  timestampFormat ??= new Intl.DateTimeFormat(undefined, {
    year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric',
  });
  return timestampFormat.format(date);
}
