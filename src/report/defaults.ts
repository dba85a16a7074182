/** Report defaults needed where the report code itself is not loaded (the CLI's help text). */

/** Bootstrap resamples of a report unless --resamples says otherwise. */
export const DEFAULT_RESAMPLES = 10_000;
