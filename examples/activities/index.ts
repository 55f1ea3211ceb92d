// Example activities (and decision predicates) for the reference workflows in ../shared/seed-workflows.
export { simpleSequenceActivities } from './simple-sequence.ts';
export type { SimpleSequenceOptions } from './simple-sequence.ts';
export { orderProcessingActivities } from './order-processing.ts';
export type { OrderProcessingOptions } from './order-processing.ts';
export { complexWorkflowActivities } from './complex-workflow.ts';
export type { ComplexWorkflowOptions } from './complex-workflow.ts';
