/**
 * A stream stage that works synchronously: each input pushed is handled at once and its
 * outputs go to the `emit` given at creation. Every dialect's stream decoder and encoder is
 * written as one, so the translated hot path can drive them straight from the upstream
 * socket's chunks (no promise or controller per part, see pipeline.ts), while the web-stream
 * interface (the simulator backend, tests) wraps the very same stage.
 */
export interface SyncStage<I> {
  push(input: I): void;
  /** The input ended: emit what is held back (a final frame, a truncation error). */
  end(): void;
}

export type StageFactory<I, O> = (emit: (output: O) => void) => SyncStage<I>;

/** The stage as a web TransformStream. */
export function stageTransform<I, O>(make: StageFactory<I, O>): TransformStream<I, O> {
  let stage: SyncStage<I> | undefined;
  return new TransformStream<I, O>({
    start(controller) {
      stage = make((output) => controller.enqueue(output));
    },
    transform(input) {
      stage!.push(input);
    },
    flush() {
      stage!.end();
    },
  });
}
