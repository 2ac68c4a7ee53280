/** Which layer a rule or default came from, weakest first. Below both policy/ and pdp/, so neither imports the other for it. */
export const LAYER_NAMES = ['baseline', 'org', 'user', 'repo'] as const;
export type LayerName = (typeof LAYER_NAMES)[number];
