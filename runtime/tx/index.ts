/**
 * @file Transactions (issue #3, items 3–4): decoding (decode.ts), senders from signatures (signature.ts), intrinsic gas and the EIP-7623
 * floor (intrinsic.ts), validation and execution on the compiled engine (run.ts), and the GeneralStateTests runner
 * (statetest.ts; reference.ts runs the same cases on @ethereumjs/vm).
 */
export { type AccessListEntry, type Authorization, type Tx, TxDecodeError, commonFor, decodeTx } from './decode.ts';
export { floorGas, intrinsicGas } from './intrinsic.ts';
export { SignatureError, type TxSignature, recoverAuthority, recoverSender, signingHash } from './signature.ts';
export { GAS_PER_BLOB, type TxEnv, type TxHooks, type TxResult, creationAddress, runTransaction } from './run.ts';
