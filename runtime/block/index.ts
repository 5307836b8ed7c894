/**
 * @file Block execution, as the library exports it: {@link executeBlock}, the block and result types, chain
 * configuration, receipts, and blocks from JSON-RPC.
 */
export {
  type BlobParams, CHAINS, type ChainConfig, ChainConfigError, type ForkActivation, MAINNET, blobParamsAt, blockReward,
  chainFromGethConfig, forkAt,
} from './chain.ts';
export { DAO_REFUND_CONTRACT } from './dao.ts';
export { type ExecuteBlockOptions, type ParallelTuning, executeBlock } from './execute.ts';
export { BLOOM_BYTES, type Receipt, encodeReceipt, logsBloom, receiptsRoot } from './receipts.ts';
export { BlockFormatError, type RpcBlockOptions, blockFromRpc, checkFrom, recoverSenders, recoverSendersOn, signatureFromRpc, txFromRpc } from './rpc.ts';
export {
  type Block, type BlockHeader, type BlockResult, InvalidBlockError, type TxOutcome, type Uncle, type Withdrawal,
} from './types.ts';
