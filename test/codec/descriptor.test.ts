/**
 * The committed descriptor (src/codec/autobahn.descriptor.json) must be exactly what
 * `npm run gen:proto` makes of proto/autobahn.proto, so the two cannot drift; and the
 * schema must carry the field numbers of spec §1.2.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, test } from 'vitest';
import { MESSAGE_NAMES, messageType } from '../../src/codec/schema.js';

const repo = new URL('../../', import.meta.url);

describe('descriptor', () => {
  test('re-running pbjs on the .proto reproduces the committed descriptor', () => {
    const require = createRequire(import.meta.url);
    const pbjs = require.resolve('protobufjs-cli/bin/pbjs');
    const fresh = execFileSync(process.execPath, [pbjs, '-t', 'json', 'proto/autobahn.proto'], { cwd: repo, encoding: 'utf8' });
    const committed = readFileSync(new URL('src/codec/autobahn.descriptor.json', repo), 'utf8');
    expect(JSON.parse(fresh)).toEqual(JSON.parse(committed));
  }, 30_000);

  test('field numbers, labels and types are those of spec §1.2', () => {
    const shape = (name: (typeof MESSAGE_NAMES)[number]): string[] =>
      messageType(name)
        .fieldsArray.slice()
        .sort((a, b) => a.id - b.id)
        .map((f) => `${f.id}:${f.repeated ? 'repeated ' : f.options?.['proto3_optional'] === true ? 'optional ' : ''}${f.type} ${f.name}`);
    expect(shape('Timestamp')).toEqual(['1:optional int64 seconds', '2:optional int32 nanos']);
    expect(shape('PublicKey')).toEqual(['1:optional bytes ed25519']);
    expect(shape('Signature')).toEqual(['1:optional PublicKey key', '2:optional bytes sig']);
    expect(shape('BlockHeader')).toEqual(['1:optional PublicKey lane', '2:optional uint64 blockNumber', '3:optional bytes parentHash', '4:optional bytes payloadHash']);
    expect(shape('Payload')).toEqual([
      '1:optional Timestamp createdAt',
      '2:optional uint64 totalGas',
      '3:optional int64 edgeCount',
      '4:optional bytes coinbase',
      '5:optional int64 basefee',
      '6:repeated bytes txs',
    ]);
    expect(shape('Block')).toEqual(['1:optional BlockHeader header', '2:optional Payload payload']);
    expect(shape('LaneQC')).toEqual(['1:BlockHeader vote', '2:repeated Signature sigs']);
    expect(shape('LaneRange')).toEqual(['1:optional PublicKey lane', '2:optional uint64 first', '3:optional uint64 next', '4:optional bytes lastHash']);
    expect(shape('View')).toEqual(['1:optional uint64 index', '2:optional uint64 number']);
    expect(shape('Proposal')).toEqual(['1:optional View view', '2:optional Timestamp createdAt', '3:repeated LaneRange laneRanges', '4:optional AppProposal app']);
    expect(shape('AppProposal')).toEqual(['1:optional uint64 globalNumber', '2:optional uint64 roadIndex', '3:optional bytes appHash']);
    expect(shape('AppQC')).toEqual(['1:AppProposal vote', '2:repeated Signature sigs']);
    expect(shape('CommitQC')).toEqual(['1:Proposal vote', '3:repeated Signature sigs']);
    expect(shape('FullCommitQC')).toEqual(['1:CommitQC qc', '2:repeated BlockHeader headers']);
    expect(shape('PrepareQC')).toEqual(['1:Proposal vote', '2:repeated Signature sigs']);
    expect(shape('TimeoutVote')).toEqual(['1:optional View view', '2:optional uint64 latestPrepareQcViewNumber']);
    expect(shape('TimeoutQC')).toEqual(['1:repeated SignedMsg votes', '2:optional PrepareQC latestPrepareQc']);
    expect(shape('FullTimeoutVote')).toEqual(['1:SignedMsg vote', '2:optional PrepareQC latestPrepareQc']);
    expect(shape('Msg')).toEqual([
      '1:Block laneProposal',
      '2:BlockHeader laneVote',
      '3:Proposal proposal',
      '4:Proposal prepareVote',
      '5:Proposal commitVote',
      '6:TimeoutVote timeoutVote',
      '7:AppProposal appVote',
    ]);
    expect(messageType('Msg').oneofsArray.map((o) => o.name)).toEqual(['t']);
    expect(shape('SignedMsg')).toEqual(['1:Msg msg', '2:Signature sig']);
    expect(shape('PersistedWrapper')).toEqual(['1:optional uint64 seq', '2:optional bytes data']);
    expect(shape('PersistedAvailPruneAnchor')).toEqual(['1:optional AppQC appQc', '2:optional CommitQC commitQc']);
    expect(shape('PersistedInner')).toEqual([
      '1:optional CommitQC commitQc',
      '2:optional PrepareQC prepareQc',
      '3:optional TimeoutQC timeoutQc',
      '4:optional SignedMsg commitVote',
      '5:optional SignedMsg prepareVote',
      '6:optional FullTimeoutVote timeoutVote',
    ]);
  });
});
