export { algogene } from './algogene.js';
export type { AlgogeneOptions } from './algogene.js';
export { alpaca } from './alpaca.js';
export type { AlpacaOptions } from './alpaca.js';
export { financefeast } from './financefeast.js';
export type { FinancefeastOptions } from './financefeast.js';
export { genericOAuth2 } from './generic-oauth2.js';
export type { GenericOAuth2Options } from './generic-oauth2.js';
