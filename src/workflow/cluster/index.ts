// The distributed mode: worker nodes sharing one PostgreSQL database (docs/distributed.md).
export { DistributedEngine, DistributedEngineBuilder } from './distributed-engine.ts';
export type { ClusterHealth, ClusterNodeHealth, DistributedEngineOptions, DistributedExecution, DistributedStatus } from './distributed-engine.ts';
export { WorkerNode } from './worker-node.ts';
export type { WorkerNodeConfig, WorkerNodeOptions } from './worker-node.ts';
export { LeastLoadedBalancer, RoundRobinBalancer, balancerNamed } from './balancer.ts';
export type { LoadBalancer, NodeLoad, Placement } from './balancer.ts';
export { ClusterError } from './errors.ts';
export type { ClusterErrorCode } from './errors.ts';
