/** Long side, in pixels, of the frames the pipeline wants from the decoder. */
export const ANALYSIS_MAX_SIDE = 480;
