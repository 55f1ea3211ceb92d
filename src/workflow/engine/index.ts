export { WorkflowEngine, WorkflowEngineBuilder } from './engine.ts';
export type { ExecutionFilter, ExecutionSnapshot, SnapshotOptions, StorageSpec, WaitOptions, WorkflowEngineOptions } from './engine.ts';
export { EngineError } from './errors.ts';
export type { EngineErrorCode } from './errors.ts';
export { eventsOf } from './events.ts';
export type { WorkflowEvent, WorkflowEventType } from './events.ts';
export type { ApplicationRecord, StepMeta } from './apply.ts';
export { replayLog } from './replay.ts';
export type { ReplayResult } from './replay.ts';
