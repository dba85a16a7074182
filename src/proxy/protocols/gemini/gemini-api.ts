/**
 * Wire schemas of Gemini `generateContent` / `streamGenerateContent` answers (loose: unknown
 * fields pass). Request bodies are built by the encoder and need no schema.
 */
import { z } from 'zod';

export const geminiPart = z
  .object({
    text: z.string().optional(),
    thought: z.boolean().optional(),
    thoughtSignature: z.string().optional(),
    functionCall: z
      .object({ name: z.string(), args: z.record(z.string(), z.unknown()).nullish(), id: z.string().optional() })
      .loose()
      .optional(),
  })
  .loose();
export type GeminiPart = z.infer<typeof geminiPart>;

export const geminiUsage = z
  .object({
    promptTokenCount: z.number().optional(),
    candidatesTokenCount: z.number().optional(),
    thoughtsTokenCount: z.number().optional(),
    cachedContentTokenCount: z.number().optional(),
    toolUsePromptTokenCount: z.number().optional(),
    totalTokenCount: z.number().optional(),
  })
  .loose();
export type GeminiUsage = z.infer<typeof geminiUsage>;

export const geminiCandidate = z
  .object({
    content: z.object({ role: z.string().optional(), parts: z.array(geminiPart).optional() }).loose().optional(),
    finishReason: z.string().optional(),
    index: z.number().optional(),
  })
  .loose();

export const geminiStatus = z
  .object({ code: z.number().optional(), message: z.string().optional(), status: z.string().optional() })
  .loose();

/** One `generateContent` answer, or one chunk of a stream (same shape, deltas). */
export const generateContentResponse = z
  .object({
    candidates: z.array(geminiCandidate).optional(),
    usageMetadata: geminiUsage.optional(),
    modelVersion: z.string().optional(),
    responseId: z.string().optional(),
    promptFeedback: z.object({ blockReason: z.string().optional() }).loose().optional(),
    /** Vertex may put an error object in a stream frame. */
    error: geminiStatus.optional(),
  })
  .loose();
export type GenerateContentResponse = z.infer<typeof generateContentResponse>;

export const countTokensResponse = z.object({ totalTokens: z.number() }).loose();
