import type OpenAI from 'openai';

type OpenAIModule = typeof import('openai');

/**
 * The `openai` SDK is loaded on first use, not at boot: it is the largest import of the server
 * (~90 ms), and /health should answer before any model is needed (cold-start budget, design §10).
 */
let loading: Promise<OpenAIModule> | undefined;
let loaded: OpenAIModule | undefined;

export function loadOpenAI(): Promise<OpenAIModule> {
  loading ??= import('openai').then((mod) => (loaded = mod));
  return loading;
}

/** The SDK's error classes, if the SDK was loaded; an error cannot come from an SDK that never loaded. */
export function loadedOpenAI(): typeof OpenAI | undefined {
  return loaded?.default;
}
