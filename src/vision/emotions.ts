/** The five classes of the product, in the seed's order (EmotiMesh_Net's output order too). */
export const EMOTIONS5 = ['Anger', 'Happy', 'Shock', 'Neutral', 'Sad'] as const;
export type Emotion5 = (typeof EMOTIONS5)[number];
/** Five probabilities in EMOTIONS5 order. */
export type Probs5 = [number, number, number, number, number];

/** Output order of the FER2013 mini-Xception shipped by @vladmandic/human. */
export const FER7 = ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'] as const;
export type Fer7 = (typeof FER7)[number];

/**
 * Which of our five classes each FER class feeds. Fear goes to Shock: posed fear and surprise
 * share raised brows, wide eyes and an open mouth, and FER2013's fear class is where the model
 * puts most surprised faces it is unsure about (see the eval report in the calibration notes).
 */
export const FER7_TO_5: Record<Fer7, Emotion5> = {
  angry: 'Anger',
  disgust: 'Anger',
  fear: 'Shock',
  happy: 'Happy',
  sad: 'Sad',
  surprise: 'Shock',
  neutral: 'Neutral',
};

/** Sum 7 FER probabilities into our 5 classes. */
export function mapFer7To5(p7: ArrayLike<number>): Probs5 {
  const out: Probs5 = [0, 0, 0, 0, 0];
  FER7.forEach((name, i) => {
    out[EMOTIONS5.indexOf(FER7_TO_5[name])] += p7[i];
  });
  return out;
}

/** Where Neutral stands in EMOTIONS5: a frame's expressiveness is 1 - P(Neutral). */
export const NEUTRAL_INDEX = EMOTIONS5.indexOf('Neutral');

/** How much a frame shows (1 - P(Neutral)): what clip pooling weights frames by. */
export function expressiveness(probabilities: ArrayLike<number>): number {
  return 1 - probabilities[NEUTRAL_INDEX]!;
}

export function softmax(logits: number[]): number[] {
  const max = Math.max(...logits);
  const ex = logits.map((l) => Math.exp(l - max));
  const sum = ex.reduce((a, b) => a + b, 0);
  return ex.map((e) => e / sum);
}

export function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

export function isEmotion5(value: unknown): value is Emotion5 {
  return typeof value === 'string' && (EMOTIONS5 as readonly string[]).includes(value);
}
