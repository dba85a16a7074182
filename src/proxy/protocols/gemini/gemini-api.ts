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

// ---------------------------------------------------------------------------------------
// A hand-written twin of generateContentResponse, for the hot path

/*
 * Every frame of a translated Gemini stream was checked with generateContentResponse.safeParse,
 * which also copies each object it checks: ≈ 0.17 ms per streamed request of the bench's
 * (bench/PROFILE.md, seventh pass), a third of the stream phase. This guard accepts exactly what
 * the schema accepts (test/protocols/gemini/schema-guard.test.ts compares them with zod on
 * generated values) and returns the value itself; callers fall back to the schema for the error
 * message of a value it refuses. Keep it in step with the schemas above.
 */

type Loose = Record<string, unknown>;
const isObject = (v: unknown): v is Loose => typeof v === 'object' && v !== null && !Array.isArray(v);
const optionalString = (v: unknown): boolean => v === undefined || typeof v === 'string';
const optionalNumber = (v: unknown): boolean => v === undefined || (typeof v === 'number' && Number.isFinite(v));
const optionalObject = (v: unknown, check: (o: Loose) => boolean): boolean => v === undefined || (isObject(v) && check(v));

function isGeminiPart(v: unknown): boolean {
  return (
    isObject(v) &&
    optionalString(v.text) &&
    (v.thought === undefined || typeof v.thought === 'boolean') &&
    optionalString(v.thoughtSignature) &&
    optionalObject(v.functionCall, (f) => typeof f.name === 'string' && (f.args === undefined || f.args === null || isObject(f.args)) && optionalString(f.id))
  );
}

function isGeminiUsage(u: Loose): boolean {
  return (
    optionalNumber(u.promptTokenCount) &&
    optionalNumber(u.candidatesTokenCount) &&
    optionalNumber(u.thoughtsTokenCount) &&
    optionalNumber(u.cachedContentTokenCount) &&
    optionalNumber(u.toolUsePromptTokenCount) &&
    optionalNumber(u.totalTokenCount)
  );
}

function isGeminiCandidate(v: unknown): boolean {
  return (
    isObject(v) &&
    optionalObject(v.content, (c) => optionalString(c.role) && (c.parts === undefined || (Array.isArray(c.parts) && c.parts.every(isGeminiPart)))) &&
    optionalString(v.finishReason) &&
    optionalNumber(v.index)
  );
}

/** generateContentResponse's check without zod; the value itself when it passes. */
export function asGenerateContentResponse(v: unknown): GenerateContentResponse | undefined {
  if (!isObject(v)) return undefined;
  const ok =
    (v.candidates === undefined || (Array.isArray(v.candidates) && v.candidates.every(isGeminiCandidate))) &&
    optionalObject(v.usageMetadata, isGeminiUsage) &&
    optionalString(v.modelVersion) &&
    optionalString(v.responseId) &&
    optionalObject(v.promptFeedback, (f) => optionalString(f.blockReason)) &&
    optionalObject(v.error, (e) => optionalNumber(e.code) && optionalString(e.message) && optionalString(e.status));
  return ok ? (v as GenerateContentResponse) : undefined;
}
