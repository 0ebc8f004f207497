// Interop check run by RegistryKafkajsIT (integration-tests): kafkajs's Confluent Schema Registry
// client, an implementation independent of this project's, talks to the Longhaul registry server.
// Usage: node interop.js REGISTRY_URL INPUT_JSON
// INPUT_JSON holds the schema texts the Java side registers, the Java subject, and the hex of a
// record the Java side encoded. Prints one JSON object: the ids kafkajs was given, the hex of the
// records it encoded (the same JobRequest the Java test builds, written here independently), and
// what it decoded from the Java bytes. Exits non-zero on any error.
'use strict';

const fs = require('fs');
const { SchemaRegistry, SchemaType } = require('@kafkajs/confluent-schema-registry');

// The JobRequest RegistryKafkajsIT builds, as avsc represents it: unions unwrapped, enums as
// strings, timestamp-millis as plain longs (no logical type hooks).
const JOB = {
  jobId: 'job-interop',
  tenant: 'acme',
  kind: 'CONTRACT',
  tasks: [{ type: 'EXTRACT', fields: ['parties', 'term'], jsonSchema: null }],
  priority: 3,
  deadline: 1767229200123,
  document: {
    chunkCount: 2,
    bytes: 600000,
    sha256: '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    mediaType: 'application/pdf',
    encoding: null,
  },
  metadata: { file: 'msa.pdf' },
  submittedAt: 1767225600123,
  submissionId: '',
};

const CONTROL = { jobId: 'job-interop', action: 'SET_PRIORITY', priority: 9, requestedAt: 1767225600999 };

async function main() {
  const [url, inputPath] = process.argv.slice(2);
  const input = JSON.parse(fs.readFileSync(inputPath, 'utf8'));
  // No retries: an error answer must surface here, not be papered over.
  const registry = new SchemaRegistry({ host: url, retry: { retries: 0 } });
  const avro = (schema) => ({ type: SchemaType.AVRO, schema });

  const javaSubject = await registry.register(avro(input.jobRequestSchema), { subject: input.javaSubject });
  const nodeSubject = await registry.register(avro(input.jobRequestSchema), { subject: 'interop-node-jobs-value' });
  const control = await registry.register(avro(input.controlSchema), { subject: 'interop-node-control-value' });
  const latestJava = await registry.getLatestSchemaId(input.javaSubject);
  const lookedUp = await registry.getRegistryIdBySchema('interop-node-jobs-value', avro(input.jobRequestSchema));

  const nodeBytes = await registry.encode(nodeSubject.id, JOB);
  const decodedJava = await registry.decode(Buffer.from(input.javaBytesHex, 'hex'));
  const reencodedJava = await registry.encode(latestJava, decodedJava);
  const controlBytes = await registry.encode(control.id, CONTROL);

  process.stdout.write(JSON.stringify({
    ids: {
      javaSubject: javaSubject.id,
      nodeSubject: nodeSubject.id,
      control: control.id,
      latestJava,
      lookedUp,
    },
    nodeBytes: nodeBytes.toString('hex'),
    reencodedJava: reencodedJava.toString('hex'),
    controlBytes: controlBytes.toString('hex'),
    decodedJava: {
      jobId: decodedJava.jobId,
      tenant: decodedJava.tenant,
      kind: decodedJava.kind,
      priority: decodedJava.priority,
      metadata: decodedJava.metadata,
    },
  }) + '\n');
}

main().catch((error) => {
  process.stderr.write(`interop failed: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
